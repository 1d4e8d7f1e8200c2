using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using RobynGateway.Hosting;

namespace RobynGateway.Tests.Web;

/// <summary><c>--compression</c> (tests/apps/compression_app.py); the command-line flag itself is in <see cref="StaticAppProcessTests"/>.</summary>
public sealed class CompressionTests(CompressedAppFactory compressed, PlainCompressionAppFactory plain)
    : IClassFixture<CompressedAppFactory>, IClassFixture<PlainCompressionAppFactory>
{
    public static async Task<string> Decompress(HttpResponseMessage r, string encoding)
    {
        await using var body = await r.Content.ReadAsStreamAsync();
        await using Stream decoded = encoding == "br"
            ? new BrotliStream(body, CompressionMode.Decompress)
            : new GZipStream(body, CompressionMode.Decompress);
        using var reader = new StreamReader(decoded, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    static HttpRequestMessage Get(string path, string acceptEncoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        return request;
    }

    [Theory]
    [InlineData("/text", "br")]
    [InlineData("/text", "gzip")]
    [InlineData("/json", "br")]
    [InlineData("/json", "gzip")]
    public async Task Compressed_answer_decompresses_to_the_original(string path, string encoding)
    {
        var original = await plain.CreateClient().GetStringAsync(path);
        using var r = await compressed.CreateClient().SendAsync(Get(path, encoding));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(encoding, r.Content.Headers.ContentEncoding.Single());
        Assert.Contains("Accept-Encoding", r.Headers.Vary);
        var decompressed = await Decompress(r, encoding);
        Assert.Equal(original, decompressed);
        Assert.True(r.Content.Headers.ContentLength is null or > 0);
    }

    [Fact]
    public async Task Brotli_is_preferred_when_both_are_accepted()
    {
        using var r = await compressed.CreateClient().SendAsync(Get("/text", "gzip, deflate, br"));
        Assert.Equal("br", r.Content.Headers.ContentEncoding.Single());
    }

    [Fact]
    public async Task Without_accept_encoding_nothing_is_compressed()
    {
        using var r = await compressed.CreateClient().GetAsync("/text");
        Assert.Empty(r.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Binary_answers_are_not_compressed()
    {
        using var r = await compressed.CreateClient().SendAsync(Get("/bytes", "gzip, br"));
        Assert.Equal("application/octet-stream", r.Content.Headers.ContentType?.MediaType);
        Assert.Empty(r.Content.Headers.ContentEncoding);
        Assert.Equal(4096, (await r.Content.ReadAsByteArrayAsync()).Length);
    }

    [Theory]
    [InlineData("/text")]
    [InlineData("/json")]
    public async Task Without_the_flag_nothing_is_compressed(string path)
    {
        using var r = await plain.CreateClient().SendAsync(Get(path, "gzip, br"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Empty(r.Content.Headers.ContentEncoding);
        Assert.DoesNotContain("Accept-Encoding", r.Headers.Vary);
    }
}

/// <summary>The <c>--compression</c> flag on the command line and in <c>--help</c>.</summary>
public sealed class CompressionFlagTests
{
    [Fact]
    public void Flag_is_off_unless_given_and_is_passed_on_to_the_app()
    {
        Assert.False(CommandLine.Parse(["app.py"]).Get(GatewayFlags.Compression));
        var cli = CommandLine.Parse(["app.py", "--compression", "--port", "9000"]);
        Assert.True(cli.Get(GatewayFlags.Compression));
        Assert.Equal(["--compression", "--port", "9000"], cli.AppArgs);
    }

    [Fact]
    public void Help_lists_the_flag()
    {
        Assert.Contains("--compression", CommandLine.Usage);
    }
}
