using System.Net;
using System.Net.Http.Headers;

namespace RobynGateway.Tests.Web;

/// <summary>
/// static_app.py as users run it, <c>RobynGateway static_app.py --compression</c>: real Kestrel
/// (which decodes and normalises the path itself before the static files see it), the start-up
/// log, and the command-line flag.
/// </summary>
public sealed class StaticAppProcessTests(StaticAppProcess process) : IClassFixture<StaticAppProcess>
{
    [Theory]
    [MemberData(nameof(Traversal.Attempts), MemberType = typeof(Traversal))]
    public async Task Traversal_attempt_is_404(string target)
    {
        var (status, answer) = await RawHttp.GetAsync(process.Gateway.Port, target);
        Assert.Equal(404, status);
        Traversal.AssertNothingLeaked(answer);
    }

    [Theory]
    [MemberData(nameof(Traversal.EscapingLinks), MemberType = typeof(Traversal))]
    public async Task Symlink_out_of_the_mount_is_404(string path)
    {
        var (status, answer) = await RawHttp.GetAsync(process.Gateway.Port, path);
        Assert.Equal(404, status);
        Traversal.AssertNothingLeaked(answer);
    }

    [Fact]
    public void Each_mount_is_logged_and_a_missing_folder_is_a_warning()
    {
        var log = process.Gateway.Output;
        Assert.Contains("Static files: /static -> ", log);
        Assert.Contains("Static files: /site -> ", log);
        Assert.Contains("(index index.html)", log);
        Assert.Contains("WRN", log);
        Assert.Contains("serve_directory /gone: ", log);
        Assert.Contains("no_such_directory is not a directory; the mount is skipped", log);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task Compression_flag_compresses_static_files_and_route_answers(string encoding)
    {
        foreach (var (path, expected) in new[] { ("/static/hello.txt", "Hello, static world!\n"), ("/static/api-thing", "api thing") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
            using var r = await process.Gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(encoding, r.Content.Headers.ContentEncoding.Single());
            Assert.Equal(expected, await CompressionTests.Decompress(r, encoding));
        }
    }
}
