using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace RobynGateway.Workers;

/// <summary>
/// The first step of the proxy pipeline. A request that could not be delivered to its worker (the
/// worker died, or was stopping: the connection failed before any response) is sent again to
/// another worker when that is safe: an idempotent method, no request body, nothing sent to the
/// client yet. Also counts each forwarded request against its worker, for <c>--max-requests</c>.
/// </summary>
internal static class WorkerRetry
{
    const int MaxAttempts = 3;

    public static async Task InvokeAsync(HttpContext context, Func<Task> next, WorkerSupervisor supervisor)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        for (var attempt = 1; ; attempt++)
        {
            await next();
            var destination = proxy.ProxiedDestination;
            if (destination is not null) supervisor.Forwarded(destination.DestinationId);
            var error = context.GetForwarderErrorFeature();
            if (error is null || !Retryable(context, error.Error) || attempt == MaxAttempts || destination is null) return;

            candidates = candidates.Where(d => d != destination).ToList();
            if (candidates.Count == 0) return;
            supervisor.Log.LogWarning("{Method} {Path} failed on {Worker} ({Error}); retrying on another worker",
                context.Request.Method, context.Request.Path, destination.DestinationId, error.Error);
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            proxy.AvailableDestinations = candidates;
        }
    }

    static bool Retryable(HttpContext context, ForwarderError error) =>
        error == ForwarderError.Request
        && !context.Response.HasStarted
        && IsIdempotent(context.Request.Method)
        && context.Request.ContentLength is null or 0
        && context.Request.Headers.TransferEncoding.Count == 0;

    static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsDelete(method) || HttpMethods.IsPut(method);
}
