namespace RobynGateway.Routing;

/// <summary>Streams a file named by a handler's <c>serve_file</c> / <c>serve_html</c> result from C#.</summary>
internal static class FileAnswer
{
    public static async Task SendAsync(HttpContext context, string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            context.Response.Headers.ContentDisposition = default;
            await Fallback.WriteTextAsync(context, StatusCodes.Status404NotFound, "Not found");
            return;
        }
        context.Response.ContentLength = file.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await context.Response.SendFileAsync(file.FullName, context.RequestAborted);
    }
}
