using System.Net;
using System.Net.Sockets;
using System.Text;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Routing;

/// <summary>
/// Bodies whose framing is broken, sent byte for byte over real Kestrel: each is the client's
/// fault, so a 400 with a reason (never a 500 or an unhandled-exception log), and the server
/// keeps serving.
/// </summary>
public sealed class MalformedBodyTests(HandlersKestrelFactory factory) : IClassFixture<HandlersKestrelFactory>
{
    [Theory]
    [InlineData("ffffffffffffffffffff")] // overflows Kestrel's chunk-size parser (an IOException, not a BadHttpRequestException)
    [InlineData("zz")]
    [InlineData("-1")]
    public async Task A_bad_chunk_size_is_400(string chunkSize)
    {
        var answer = await SendAsync($"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{chunkSize}\r\nabc\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", answer);
        Assert.DoesNotContain("Exception", answer);
        Assert.DoesNotContain("   at ", answer);

        using var client = factory.RealClient();
        using var after = await client.PostAsync("/json", new StringContent("""{"still": "serving"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_body_that_stalls_is_408_as_kestrel_says_not_a_400()
    {
        // 10 bytes of a declared 100,000, then nothing: Kestrel's minimum data rate (240 B/s after a
        // 5 s grace period) gives up on it, and its 408 is what the client gets.
        var answer = await SendAsync("POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"a\": 1, ",
            TimeSpan.FromSeconds(20));
        Assert.StartsWith("HTTP/1.1 408 ", answer);
    }

    async Task<string> SendAsync(string request, TimeSpan? wait = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, factory.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var cts = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(10));
        return await reader.ReadToEndAsync(cts.Token);
    }
}
