using System.Net;
using System.Net.Http.Headers;

namespace RobynGateway.Tests.Web;

/// <summary><c>serve_file</c>, <c>serve_html</c> and <c>html</c> results, the file streamed from C#.</summary>
public sealed class FileAnswerTests(StaticAppFactory factory) : IClassFixture<StaticAppFactory>
{
    const string Notes = "Notes for download.\nSecond line.\n";
    readonly HttpClient _client = factory.CreateClient();

    async Task<HttpResponseMessage> Send(HttpMethod method, string path, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path);
        configure?.Invoke(request);
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task Serve_file_is_a_download_with_content_type_and_validators()
    {
        using var r = await _client.GetAsync("/download");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment; filename=notes.txt", r.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal(Notes.Length, r.Content.Headers.ContentLength);
        Assert.NotNull(r.Headers.ETag);
        Assert.NotNull(r.Content.Headers.LastModified);
        Assert.Equal(Notes, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Serve_file_with_a_name_uses_it_for_type_and_disposition()
    {
        using var r = await _client.GetAsync("/download-as");
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment; filename=export.json", r.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal("{\"static\": true}\n", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Serve_file_answers_a_range_and_keeps_the_download_headers()
    {
        using var r = await Send(HttpMethod.Get, "/download", m => m.Headers.Range = new RangeHeaderValue(6, 17));
        Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
        Assert.Equal("for download", await r.Content.ReadAsStringAsync());
        Assert.Equal($"bytes 6-17/{Notes.Length}", r.Content.Headers.ContentRange?.ToString());
        Assert.Equal("attachment; filename=notes.txt", r.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Serve_file_range_past_the_end_is_416()
    {
        using var r = await Send(HttpMethod.Get, "/download", m => m.Headers.Range = new RangeHeaderValue(500, 600));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, r.StatusCode);
    }

    [Fact]
    public async Task Serve_file_revalidation_is_304()
    {
        using var first = await _client.GetAsync("/download");
        using var byTag = await Send(HttpMethod.Get, "/download", m => m.Headers.IfNoneMatch.Add(first.Headers.ETag!));
        Assert.Equal(HttpStatusCode.NotModified, byTag.StatusCode);
        Assert.Empty(await byTag.Content.ReadAsByteArrayAsync());
        using var byDate = await Send(HttpMethod.Get, "/download", m => m.Headers.IfModifiedSince = first.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.NotModified, byDate.StatusCode);
    }

    [Fact]
    public async Task Serve_file_head_sends_headers_and_no_body()
    {
        using var r = await Send(HttpMethod.Head, "/download");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(Notes.Length, r.Content.Headers.ContentLength);
        Assert.Equal("attachment; filename=notes.txt", r.Content.Headers.ContentDisposition?.ToString());
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Serve_file_of_a_missing_file_is_404_without_the_download_header()
    {
        using var r = await _client.GetAsync("/download-missing");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("Not found", await r.Content.ReadAsStringAsync());
        Assert.Null(r.Content.Headers.ContentDisposition);
    }

    [Fact]
    public async Task Handler_status_other_than_200_is_kept_and_the_whole_file_sent()
    {
        using var r = await Send(HttpMethod.Get, "/file-with-status", m => m.Headers.Range = new RangeHeaderValue(0, 4));
        Assert.Equal(HttpStatusCode.NonAuthoritativeInformation, r.StatusCode);
        Assert.Equal(Notes, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Serve_html_is_the_file_as_text_html()
    {
        using var r = await _client.GetAsync("/page");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        Assert.Null(r.Content.Headers.ContentDisposition);
        Assert.Equal("<!doctype html>\n<h1>About</h1>\n", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Html_is_text_html_from_a_string()
    {
        using var r = await _client.GetAsync("/inline-html");
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<p>inline</p>", await r.Content.ReadAsStringAsync());
    }
}
