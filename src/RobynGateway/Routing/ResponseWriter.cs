using RobynGateway.Python;

namespace RobynGateway.Routing;

/// <summary>Writes a completed <see cref="PythonCall"/> to the response.</summary>
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
        return WriteAsync(context, call, globals);
    }

    static async Task WriteAsync(HttpContext context, PythonCall call, GlobalHeaders? globals)
    {
        var response = context.Response;
        response.StatusCode = call.Status;
        if (call.Headers is { } headers)
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

        if (call.Kind == ResultKind.File)
        {
            await FileAnswer.SendAsync(context, call.Aux!);
            return;
        }
        response.ContentLength = call.ResponseLength;
        if (call.ResponseLength > 0 && !HttpMethods.IsHead(context.Request.Method))
            await response.Body.WriteAsync(call.ResponseBody.AsMemory(0, call.ResponseLength), context.RequestAborted);
    }
}
