using RobynGateway.Python;

namespace RobynGateway.Routing;

/// <summary>Writes a completed <see cref="PythonCall"/> to the response.</summary>
internal static class ResponseWriter
{
    public static async Task WriteAsync(HttpContext context, PythonCall call)
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
