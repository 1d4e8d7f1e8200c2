using Microsoft.Net.Http.Headers;

namespace RobynGateway.Http;

/// <summary>
/// Streams a file named by a handler's <c>serve_file</c> / <c>serve_html</c> result from C#. The
/// handler's headers (Content-Type, Content-Disposition, ...) are already on the response. A 200
/// goes through ASP.NET's file result, which adds ETag and Last-Modified and answers Range,
/// If-None-Match, If-Modified-Since, If-Range and HEAD; any other status the handler chose is kept
/// and the whole file is sent, since a 206 or 304 would replace it.
/// </summary>
internal static class FileAnswer
{
    public static Task SendAsync(HttpContext context, string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            context.Response.Headers.ContentDisposition = default;
            return PlainText.WriteAsync(context, StatusCodes.Status404NotFound, "Not found");
        }
        var response = context.Response;
        if (response.StatusCode != StatusCodes.Status200OK)
        {
            response.ContentLength = file.Length;
            return HttpMethods.IsHead(context.Request.Method)
                ? Task.CompletedTask
                : response.SendFileAsync(file.FullName, context.RequestAborted);
        }

        // HTTP dates have whole seconds; a finer Last-Modified would never match If-Modified-Since.
        var modified = file.LastWriteTimeUtc;
        var lastModified = new DateTimeOffset(modified.Ticks - modified.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var tag = new EntityTagHeaderValue($"\"{(modified.Ticks ^ file.Length):x}\""); // full precision: two writes in one second differ
        return TypedResults.PhysicalFile(file.FullName, response.ContentType ?? "application/octet-stream",
            lastModified: lastModified, entityTag: tag, enableRangeProcessing: true).ExecuteAsync(context);
    }
}
