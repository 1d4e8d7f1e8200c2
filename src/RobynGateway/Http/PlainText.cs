namespace RobynGateway.Http;

/// <summary>The gateway's own short answers (405, 404, 413, 400): a status and a line of text/plain.</summary>
internal static class PlainText
{
    public static Task WriteAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(text);
    }
}
