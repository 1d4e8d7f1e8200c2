using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using RobynGateway.Python;

namespace RobynGateway.Http;

/// <summary>
/// Copies what Python needs from the request into a <see cref="PythonCall"/>, UTF-8 encoded, on the
/// Kestrel thread: the Python thread then only wraps bytes. The body is read whole before Python
/// is entered (a handler never waits on the network while holding the GIL), bounded by
/// ROBYN_MAX_PAYLOAD_SIZE.
/// </summary>
internal static class RequestReader
{
    /// <summary>Fills the call; false when the request was already answered (413).</summary>
    public static async ValueTask<bool> ReadAsync(HttpContext context, PythonCall call, long maxPayload, GlobalHeaders globals)
    {
        var request = context.Request;
        if (request.ContentLength > maxPayload)
        {
            await Reject(context, maxPayload, globals);
            return false;
        }
        if (HasBody(context))
        {
            bool withinLimit;
            try
            {
                withinLimit = await ReadBodyAsync(context, call, maxPayload);
            }
            catch (Exception ex) when (ex is ConnectionResetException or OperationCanceledException
                                       || (ex is IOException && context.RequestAborted.IsCancellationRequested))
            {
                // The request timeout (it counts from the request's start) cut the upload: the
                // timeouts middleware answers 504, as for a handler too slow.
                if (ex is OperationCanceledException && TimedOut(context)) throw;
                return false; // the client went away mid-body: nobody to answer, nothing to log
            }
            catch (IOException ex)
            {
                // The client's fault: Kestrel's BadHttpRequestException carries its status (408 for a
                // body that arrives too slowly); some malformed chunked framing (a chunk size that
                // overflows) comes as a plain IOException, a 400.
                var status = ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
                globals.ApplyTo(context);
                context.Response.Headers.Connection = "close"; // the framing is lost: no next request on it
                await PlainText.WriteAsync(context, status, $"Malformed request body: {ex.Message}");
                return false;
            }
            if (!withinLimit)
            {
                await Reject(context, maxPayload, globals);
                return false;
            }
        }
        if (call.BodyLength > 0 && MultipartForm.BoundaryOf(request.ContentType) is { } boundary
            && !await ReadFormAsync(context, call, boundary, globals))
            return false;

        call.MethodIndex = PyConstants.MethodIndex(request.Method);
        call.Https = request.IsHttps;
        var path = request.Path.Value.AsSpan();
        if (path.Length > 1 && path[^1] == '/') path = path[..^1];
        call.SetField(PythonCall.PathField, path.IsEmpty ? "/" : path);
        var query = request.QueryString.Value.AsSpan();
        call.SetField(PythonCall.QueryField, query.IsEmpty ? query : query[1..]);
        WriteHeaders(request.Headers, Observability.RequestIds.Of(context), call, globals);
        if (Hosting.Logging.Json) call.RequestId = Observability.RequestIds.Of(context); // for Python's log records
        WriteClientIp(context.Connection.RemoteIpAddress, call);
        call.SetField(PythonCall.HostField, request.Host.Value);

        if (call.Route is not { ParamNames: var names }) return true;
        for (var i = 0; i < names.Length; i++)
            call.SetField(PythonCall.FirstParam + i, request.RouteValues[names[i]] as string);
        return true;
    }

    static bool HasBody(HttpContext context) =>
        context.Request.ContentLength is > 0
        || (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false);

    static async ValueTask<bool> ReadBodyAsync(HttpContext context, PythonCall call, long maxPayload)
    {
        var reader = context.Request.BodyReader;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(context.Request.ContentLength ?? 4096, maxPayload));
        var length = 0;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(context.RequestAborted);
                var data = read.Buffer;
                if (length + data.Length > maxPayload)
                {
                    reader.AdvanceTo(data.End);
                    ArrayPool<byte>.Shared.Return(buffer);
                    return false;
                }
                if (length + data.Length > buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(buffer.Length * 2L, length + data.Length), maxPayload));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                data.CopyTo(buffer.AsSpan(length));
                length += (int)data.Length;
                reader.AdvanceTo(data.End);
                if (read.IsCompleted) break;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        if (length == 0) ArrayPool<byte>.Shared.Return(buffer);
        else
        {
            call.Body = buffer;
            call.BodyLength = length;
        }
        return true;
    }

    /// <summary>Parses a multipart body into the call's form; false when it was malformed (answered 400).</summary>
    static async ValueTask<bool> ReadFormAsync(HttpContext context, PythonCall call, string boundary, GlobalHeaders globals)
    {
        try
        {
            var (form, payloads) = await MultipartForm.ReadAsync(boundary, call.Body, call.BodyLength);
            call.Form = form;
            payloads.CopyTo(call.Body, 0); // the joined payloads are never longer than the body
            call.BodyLength = payloads.Length;
            return true;
        }
        catch (InvalidDataException ex)
        {
            globals.ApplyTo(context);
            await PlainText.WriteAsync(context, StatusCodes.Status400BadRequest, $"Malformed multipart/form-data body: {ex.Message}");
            return false;
        }
    }

    static Task Reject(HttpContext context, long maxPayload, GlobalHeaders globals)
    {
        globals.ApplyTo(context);
        // The rest of an oversized body is not read; don't offer to keep the connection.
        context.Response.Headers.Connection = "close";
        return PlainText.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
            $"Payload too large: the limit is {maxPayload} bytes (ROBYN_MAX_PAYLOAD_SIZE)");
    }

    /// <summary>
    /// `name:value` lines, names lower-cased, one line per value (docs/bridge-protocol.md): the
    /// request's id as its <c>X-Request-ID</c>, in place of what the client sent (which may have been
    /// unsafe, or absent); then the app's global request headers, which replace the client's values
    /// for <c>set_request_header</c>.
    /// </summary>
    internal static void WriteHeaders(IHeaderDictionary headers, string requestId, PythonCall call, GlobalHeaders globals)
    {
        call.BeginField();
        var first = true;
        var rules = globals.HasRequestRules;
        foreach (var header in headers)
        {
            if (IsRequestIdHeader(header.Key) || (rules && globals.Replaces(header.Key))) continue;
            foreach (var value in header.Value)
                AppendLine(call, header.Key, value, ref first);
        }
        if (!(rules && globals.Replaces(Observability.RequestIds.Header)))
            AppendLine(call, Observability.RequestIds.Header, requestId, ref first);
        foreach (var rule in globals.RequestRules)
            AppendLine(call, rule.Name, rule.Value, ref first);
        call.EndField(PythonCall.HeadersField);
    }

    static bool IsRequestIdHeader(string name) =>
        name.Length == Observability.RequestIds.Header.Length && name.Equals(Observability.RequestIds.Header, StringComparison.OrdinalIgnoreCase);

    static void AppendLine(PythonCall call, string name, string? value, ref bool first)
    {
        if (!first) call.AppendByte((byte)'\n');
        first = false;
        call.AppendLower(name);
        call.AppendByte((byte)':');
        call.Append(value);
    }

    internal static void WriteClientIp(IPAddress? address, PythonCall call)
    {
        if (address is null)
        {
            call.SetField(PythonCall.ClientIpField, "");
            return;
        }
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<char> text = stackalloc char[64];
        call.SetField(PythonCall.ClientIpField, address.TryFormat(text, out var written) ? text[..written] : "");
    }

    static bool TimedOut(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true;
}
