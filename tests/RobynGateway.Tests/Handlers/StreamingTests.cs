using System.Net;
using System.Security.Cryptography;
using System.Text;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>StreamingResponse and SSE, through the real pipeline.</summary>
public sealed class StreamingTests(StreamingAppFactory factory) : IClassFixture<StreamingAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_sync_generator_streams_every_item_with_robyns_headers()
    {
        using var r = await _client.GetAsync("/sync");
        Assert.Equal("0;1;2;3;4;", await r.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no", Assert.Single(r.Headers.GetValues("x-accel-buffering")));
        Assert.Equal("no-cache, no-store, must-revalidate", r.Headers.NonValidated["Cache-Control"].ToString());
        Assert.Equal("app", Assert.Single(r.Headers.GetValues("x-global")));
        Assert.False(r.Headers.Contains("x-after")); // after hooks never see streams
    }

    [Fact]
    public async Task An_item_reaches_the_client_as_soon_as_it_is_yielded()
    {
        using var r = await _client.GetAsync("/gated", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await r.Content.ReadAsStreamAsync();
        // The generator is still waiting for /release: only a flushed first item can be read now.
        Assert.Equal("first;", await ReadAtLeast(body, "first;".Length));
        Assert.Equal("released", await _client.GetStringAsync("/release"));
        Assert.Equal("second;", await ReadAtLeast(body, "second;".Length));
    }

    [Theory]
    [InlineData("/endless", "endless")]
    [InlineData("/endless-sync", "endless_sync")]
    public async Task A_client_that_goes_away_closes_the_generator(string path, string name)
    {
        using (var r = await _client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await r.Content.ReadAsStreamAsync();
            await ReadAtLeast(body, 5);
        } // disposing the response aborts the request
        var deadline = DateTime.UtcNow + Bound;
        while (await _client.GetStringAsync($"/closed/{name}") != "True")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the {name} generator was not closed");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_generator_that_raises_breaks_the_stream_and_the_server_keeps_serving()
    {
        using var r = await _client.GetAsync("/breaks", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await r.Content.ReadAsStreamAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var buffer = new byte[1024];
            while (await body.ReadAsync(buffer) > 0) { }
        });
        Assert.Equal("0;1;2;3;4;", await _client.GetStringAsync("/sync"));
    }

    [Fact]
    public async Task Bytes_stream_intact()
    {
        using var r = await _client.GetAsync("/bytes/8", HttpCompletionOption.ResponseHeadersRead);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal(8 * 1024 * 1024, bytes.Length);
        Assert.Equal(Assert.Single(r.Headers.GetValues("x-sha256")), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task Server_sent_events_are_formatted_as_robyns_sse_messages()
    {
        using var r = await _client.GetAsync("/events");
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: hello\n\nevent: multi\nid: 2\ndata: two\ndata: lines\n\n", await r.Content.ReadAsStringAsync());
    }

    static async Task<string> ReadAtLeast(Stream body, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        using var timeout = new CancellationTokenSource(Bound);
        while (read < count)
        {
            var n = await body.ReadAsync(buffer.AsMemory(read), timeout.Token);
            if (n == 0) break;
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
