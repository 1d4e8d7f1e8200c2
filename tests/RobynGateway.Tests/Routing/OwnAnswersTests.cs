using System.Net;
using System.Net.Sockets;
using System.Text;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Routing;

/// <summary>
/// The gateway's own short answers (no route, an unknown method, a body it cannot parse), read off
/// real Kestrel's wire: each carries its Content-Length, as the app's answers do, and is not chunked.
/// </summary>
public sealed class OwnAnswersTests(HandlersKestrelFactory factory) : IClassFixture<HandlersKestrelFactory>
{
    [Theory]
    [InlineData("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404", "Not found")]
    [InlineData("PROPFIND /str HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "405", "Method not allowed")]
    [InlineData("POST /body HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 6\r\n\r\nbroken",
        "400", "Malformed multipart/form-data body")]
    public async Task Each_carries_its_length_and_is_not_chunked(string request, string status, string text)
    {
        var answer = await SendAsync(request);
        var (head, body) = (answer[..answer.IndexOf("\r\n\r\n")], answer[(answer.IndexOf("\r\n\r\n") + 4)..]);
        Assert.StartsWith($"HTTP/1.1 {status} ", head);
        Assert.StartsWith(text, body);
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}", head);
        Assert.DoesNotContain("Transfer-Encoding", head);
    }

    async Task<string> SendAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, factory.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reader.ReadToEndAsync(cts.Token);
    }
}
