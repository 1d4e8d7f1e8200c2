using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;

namespace RobynGateway.Tests.Web;

/// <summary><c>serve_directory</c> served by ASP.NET Core's static files before routing (tests/apps/static_app.py).</summary>
public sealed class StaticFileTests(StaticAppFactory factory) : IClassFixture<StaticAppFactory>
{
    const string Hello = "Hello, static world!\n";
    readonly HttpClient _client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    async Task<HttpResponseMessage> Send(HttpMethod method, string path, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path);
        configure?.Invoke(request);
        return await _client.SendAsync(request);
    }

    [Theory]
    [InlineData("/static/hello.txt", "text/plain")]
    [InlineData("/static/style.css", "text/css")]
    [InlineData("/static/app.js", "text/javascript")]
    [InlineData("/static/data.json", "application/json")]
    [InlineData("/static/site/index.html", "text/html")]
    [InlineData("/static/blob.unknownext", "application/octet-stream")]
    public async Task File_is_served_with_the_content_type_of_its_extension(string path, string contentType)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(contentType, r.Content.Headers.ContentType?.MediaType);
        var onDisk = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "apps", "static_files", path["/static/".Length..]));
        Assert.Equal(onDisk, await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task File_wins_over_a_route_with_the_same_path()
    {
        Assert.Equal(Hello, await _client.GetStringAsync("/static/hello.txt"));
    }

    [Fact]
    public async Task Etag_revalidation_is_304_without_a_body()
    {
        using var first = await _client.GetAsync("/static/hello.txt");
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var again = await Send(HttpMethod.Get, "/static/hello.txt", r => r.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());

        using var other = await Send(HttpMethod.Get, "/static/hello.txt", r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\"")));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Last_modified_is_the_files_and_answers_if_modified_since()
    {
        using var first = await _client.GetAsync("/static/hello.txt");
        var lastModified = first.Content.Headers.LastModified;
        Assert.NotNull(lastModified);
        var onDisk = File.GetLastWriteTimeUtc(Path.Combine(AppContext.BaseDirectory, "apps", "static_files", "hello.txt"));
        Assert.True((onDisk - lastModified.Value.UtcDateTime).Duration() < TimeSpan.FromSeconds(1));

        using var again = await Send(HttpMethod.Get, "/static/hello.txt", r => r.Headers.IfModifiedSince = lastModified);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Fact]
    public async Task Range_is_206_with_the_slice()
    {
        using var r = await Send(HttpMethod.Get, "/static/hello.txt", r => r.Headers.Range = new RangeHeaderValue(0, 4));
        Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
        Assert.Equal("Hello", await r.Content.ReadAsStringAsync());
        Assert.Equal($"bytes 0-4/{Hello.Length}", r.Content.Headers.ContentRange?.ToString());
        Assert.Equal("bytes", r.Headers.AcceptRanges.Single());
    }

    [Fact]
    public async Task Range_past_the_end_is_416()
    {
        using var r = await Send(HttpMethod.Get, "/static/hello.txt", r => r.Headers.Range = new RangeHeaderValue(1000, 2000));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, r.StatusCode);
        Assert.Equal($"bytes */{Hello.Length}", r.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Head_has_the_headers_and_no_body()
    {
        using var r = await Send(HttpMethod.Head, "/static/hello.txt");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(Hello.Length, r.Content.Headers.ContentLength);
        Assert.NotNull(r.Headers.ETag);
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Index_file_answers_directory_urls()
    {
        Assert.Contains("Site index", await _client.GetStringAsync("/site/"));
        Assert.Contains("Docs index", await _client.GetStringAsync("/site/docs/"));
        Assert.Contains("About", await _client.GetStringAsync("/site/about.html"));
    }

    [Theory]
    [InlineData("/site", "/site/")]
    [InlineData("/site/docs", "/site/docs/")]
    public async Task Directory_url_without_slash_is_redirected_to_the_slash_form(string path, string location)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.MovedPermanently, r.StatusCode);
        Assert.EndsWith(location, r.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Listing_shows_the_folder_as_html()
    {
        using var r = await _client.GetAsync("/browse/");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        var page = await r.Content.ReadAsStringAsync();
        Assert.Contains("one.txt", page);
        Assert.Contains("two.txt", page);
        Assert.Contains("inner", page);
        Assert.Equal("three\n", await _client.GetStringAsync("/browse/inner/three.txt"));
    }

    [Fact]
    public async Task Without_index_or_listing_a_directory_falls_through_to_the_routes()
    {
        using var r = await _client.GetAsync("/static/browse/");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("Not found", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_under_the_prefix_reaches_the_python_route()
    {
        using var r = await Send(HttpMethod.Post, "/static/build");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("built", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_of_a_missing_file_reaches_the_python_route()
    {
        Assert.Equal("api thing", await _client.GetStringAsync("/static/api-thing"));
    }

    [Fact]
    public async Task Missing_file_without_a_route_is_the_apps_404()
    {
        using var r = await _client.GetAsync("/static/no-such-file.txt");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("Not found", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Other_methods_on_a_file_are_not_served_from_it()
    {
        using var r = await Send(HttpMethod.Put, "/static/hello.txt");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("Not found", await r.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/static/.env")]
    [InlineData("/static/.hidden/inside.txt")]
    public async Task Dotfiles_and_dot_folders_stay_hidden(string path)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("Not found", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Mount_of_a_missing_directory_is_skipped_and_the_app_serves()
    {
        using var r = await _client.GetAsync("/gone/anything.txt");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal(Hello, await _client.GetStringAsync("/static/hello.txt"));
    }
}
