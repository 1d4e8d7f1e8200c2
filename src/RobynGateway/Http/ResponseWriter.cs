using RobynGateway.Python;

namespace RobynGateway.Http;

/// <summary>Writes an answer (a completed <see cref="PythonCall"/>, or a const route's cached one) to the response.</summary>
internal static class ResponseWriter
{
    /// <summary>
    /// Logs the traceback of a failed request once, then writes the answer with the global response
    /// headers it lacks (<paramref name="globals"/> is null when the after hooks already merged them).
    /// </summary>
    public static Task SendAsync(HttpContext context, PythonCall call, GlobalHeaders? globals, ILogger log)
    {
        if (call.Kind == ResultKind.Error) LogFailure(context, call, log, "failed in Python");
        if (call.Kind is ResultKind.Stream or ResultKind.AsyncStream) return StreamAsync(context, call, globals, log);
        return WriteAsync(context, call.Status, call.Headers, call.ResponseBody.AsMemory(0, call.ResponseLength),
            call.Kind, call.Aux, globals);
    }

    /// <summary>
    /// A streaming answer (docs/bridge-protocol.md, "Result tuple"): the status and headers go out at once, then each item the
    /// generator yields is pulled in its own trip into Python and flushed as it comes. A client
    /// that goes away stops the pulling; the call's end then drops the generator, which closes it.
    /// A generator that raises mid-stream can't change the status any more: the connection is
    /// aborted, so the client sees a broken stream rather than a clean end, and the traceback is logged.
    /// </summary>
    static async Task StreamAsync(HttpContext context, PythonCall call, GlobalHeaders? globals, ILogger log)
    {
        var onLoop = call.Kind == ResultKind.AsyncStream;
        WriteHead(context.Response, call.Status, call.Headers);
        globals?.ApplyTo(context);
        var aborted = context.RequestAborted;
        // robyn.stream.duration: from the first chunk out to the end; no timestamps with metrics off.
        var timed = Observability.GatewayMeters.StreamTiming;
        long firstChunk = 0;
        try
        {
            await context.Response.StartAsync(aborted);
            if (HttpMethods.IsHead(context.Request.Method)) return;
            while (!aborted.IsCancellationRequested)
            {
                await call.App.RunStage(call, CallStage.StreamNext, onLoop);
                if (call.Kind == ResultKind.StreamEnd)
                {
                    if (firstChunk != 0) Observability.GatewayMeters.RecordStream(call.Route?.Pattern, firstChunk);
                    return;
                }
                if (call.Kind == ResultKind.Error)
                {
                    LogFailure(context, call, log, "the streaming response failed in Python");
                    context.Abort();
                    return;
                }
                if (call.ResponseLength == 0) continue;
                if (timed && firstChunk == 0) firstChunk = System.Diagnostics.Stopwatch.GetTimestamp();
                await context.Response.Body.WriteAsync(call.ResponseBody.AsMemory(0, call.ResponseLength), aborted);
                await context.Response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nothing left to send to.
        }
    }

    /// <summary>The traceback, unless the same failure of the same route was logged moments ago (<see cref="ErrorLogLimiter"/>).</summary>
    static void LogFailure(HttpContext context, PythonCall call, ILogger log, string what)
    {
        var route = call.Route?.ToString() ?? context.Request.Path.Value ?? "";
        if (!ErrorLogLimiter.Shared.ShouldLog(route, call.Aux, out var suppressed)) return;
        if (suppressed == 0)
            log.LogError("{Method} {Path} ({Route}): {What}:\n{Traceback}", context.Request.Method, context.Request.Path.Value, route, what, call.Aux);
        else
            log.LogError("{Method} {Path} ({Route}): {What} ({Suppressed} more like it since the last one logged):\n{Traceback}",
                context.Request.Method, context.Request.Path.Value, route, what, suppressed, call.Aux);
    }

    /// <summary>A const route's answer, made once at start: no Python at all.</summary>
    public static Task SendAsync(HttpContext context, ConstAnswer cached, GlobalHeaders globals) =>
        WriteAsync(context, cached.Status, cached.Headers, cached.Body, cached.Kind, cached.Aux, globals);

    static void WriteHead(HttpResponse response, int status, KeyValuePair<string, string>[]? headers)
    {
        response.StatusCode = status;
        if (headers is null) return;
        foreach (var (name, value) in headers)
        {
            switch (name)
            {
                case "content-type":
                    response.ContentType = value;
                    break;
                case "content-length" or "transfer-encoding" or "connection":
                    break; // framing is Kestrel's job
                default:
                    response.Headers.Append(name, value);
                    break;
            }
        }
    }

    static async Task WriteAsync(HttpContext context, int status, KeyValuePair<string, string>[]? headers,
        ReadOnlyMemory<byte> body, ResultKind kind, string? aux, GlobalHeaders? globals)
    {
        var response = context.Response;
        WriteHead(response, status, headers);
        globals?.ApplyTo(context);

        if (kind == ResultKind.File)
        {
            await FileAnswer.SendAsync(context, aux!);
            return;
        }
        response.ContentLength = body.Length;
        if (body.Length > 0 && !HttpMethods.IsHead(context.Request.Method))
            await response.Body.WriteAsync(body, context.RequestAborted);
    }
}
