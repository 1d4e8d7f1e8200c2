namespace RobynGateway.Http;

/// <summary>The gateway's own short answers (405, 404, 413, 400, 503): a status and a line of text/plain.</summary>
internal static class PlainText
{
    public static Task WriteAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        // With its length, as the app's answers have: not chunked, and the access log counts its bytes.
        context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(text);
        return context.Response.WriteAsync(text);
    }
}
