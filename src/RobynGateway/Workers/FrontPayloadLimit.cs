using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Workers;

/// <summary>
/// ROBYN_MAX_PAYLOAD_SIZE at the front, as one process enforces it (RequestReader): 413 and the same
/// text. Without it, a declared 300 MB upload that pauses sat in YARP until Kestrel's data-rate check
/// gave up (408 after about 5 s, with a 90-line trace), and a chunked upload streamed on past the limit
/// unanswered. Nothing is buffered: a declared length over the limit is answered before the body is
/// read, and a body without a length (chunked, HTTP/2) is cut the moment it grows past the limit
/// (<see cref="CountedBody"/>), before those bytes reach a worker. Any path gets it, as behind nginx's
/// client_max_body_size: the front does not know the app's routes.
/// </summary>
internal static class FrontPayloadLimit
{
    public static void UseRobynPayloadLimit(this WebApplication web, long maxPayload)
    {
        // Robyn's answer, word for word as RequestReader.Reject writes it.
        var text = Encoding.UTF8.GetBytes($"Payload too large: the limit is {maxPayload} bytes (ROBYN_MAX_PAYLOAD_SIZE)");
        web.Use((context, next) =>
        {
            var request = context.Request;
            if (request.ContentLength > maxPayload) return RejectAsync(context, text);
            // A length within the limit, no body, or an upgrade (a websocket's frames have their own limit): nothing to count.
            if (request.ContentLength is not null
                || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true
                || context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
                || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true)
                return next(context);
            // Counted here rather than by Kestrel's MaxRequestBodySize, which counts chunked framing too
            // (it refused 99,999 body bytes under a 100,000 limit); one process counts body bytes.
            request.Body = new CountedBody(request.Body, maxPayload);
            return ForwardCountedAsync(context, next, text);
        });
    }

    /// <summary>
    /// A body that outgrew the limit fails YARP's copy with the 413 exception of <see cref="CountedBody"/>;
    /// YARP leaves a 400 unsent. Robyn's 413 goes out instead (the worker got at most the limit's worth
    /// and its request was cancelled).
    /// </summary>
    static async Task ForwardCountedAsync(HttpContext context, RequestDelegate next, byte[] text)
    {
        await next(context);
        if (!context.Response.HasStarted
            && context.GetForwarderErrorFeature() is { Exception: { } error }
            && TooLarge(error))
            await RejectAsync(context, text);
    }

    static bool TooLarge(Exception error)
    {
        if (error is AggregateException all) return all.InnerExceptions.Any(TooLarge);
        for (Exception? e = error; e is not null; e = e.InnerException)
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }) return true;
        return false;
    }

    static Task RejectAsync(HttpContext context, byte[] text)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        response.ContentType = "text/plain";
        // The rest of the body is not read; don't offer to keep the connection.
        response.Headers.Connection = "close";
        response.ContentLength = text.Length;
        return response.Body.WriteAsync(text).AsTask();
    }
}
