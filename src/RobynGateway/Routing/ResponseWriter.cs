using RobynGateway.Python;

namespace RobynGateway.Routing;

/// <summary>Writes an answer (a completed <see cref="PythonCall"/>, or a const route's cached one) to the response.</summary>
internal static class ResponseWriter
{
    /// <summary>
    /// Logs the traceback of a failed request once, then writes the answer with the global response
    /// headers it lacks (<paramref name="globals"/> is null when the after hooks already merged them).
    /// </summary>
    public static Task SendAsync(HttpContext context, PythonCall call, GlobalHeaders? globals, ILogger log)
    {
        if (call.Kind == ResultKind.Error)
            log.LogError("{Method} {Path} failed in Python:\n{Traceback}", context.Request.Method, context.Request.Path.Value, call.Aux);
        return WriteAsync(context, call.Status, call.Headers, call.ResponseBody.AsMemory(0, call.ResponseLength),
            call.Kind, call.Aux, globals);
    }

    /// <summary>A const route's answer, made once at start: no Python at all.</summary>
    public static Task SendAsync(HttpContext context, ConstAnswer cached, GlobalHeaders globals) =>
        WriteAsync(context, cached.Status, cached.Headers, cached.Body, cached.Kind, cached.Aux, globals);

    static async Task WriteAsync(HttpContext context, int status, KeyValuePair<string, string>[]? headers,
        ReadOnlyMemory<byte> body, ResultKind kind, string? aux, GlobalHeaders? globals)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (headers is not null)
        {
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
