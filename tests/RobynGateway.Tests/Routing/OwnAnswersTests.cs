using System.Net;
using System.Net.Sockets;
using System.Text;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Routing;

/// <summary>
/// The gateway's own short answers (no route, an unknown method, a body it cannot parse or will not
/// take), read off real Kestrel's wire: each carries its Content-Length, as the app's answers do, and
/// is not chunked.
/// </summary>
public sealed class OwnAnswersTests(HandlersKestrelFactory factory) : IClassFixture<HandlersKestrelFactory>
{
    [Theory]
    [InlineData("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404", "Not found")]
    [InlineData("PROPFIND /str HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "405", "Method not allowed")]
    [InlineData("POST /body HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 6\r\n\r\nbroken",
        "400", "Malformed multipart/form-data body")]
    // Declared above the limit (1,000,000 by default), refused before a byte of it is read; none is sent,
    // so the server's close leaves no unread data to turn into a reset.
    [InlineData("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", "413", "Payload too large")]
    public async Task Each_carries_its_length_and_is_not_chunked(string request, string status, string text)
    {
        var answer = await SendAsync(request);
        var (head, body) = (answer[..answer.IndexOf("\r\n\r\n")], answer[(answer.IndexOf("\r\n\r\n") + 4)..]);
        Assert.StartsWith($"HTTP/1.1 {status} ", head);
        Assert.StartsWith(text, body);
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}", head);
        Assert.DoesNotContain("Transfer-Encoding", head);
    }

    /// <summary>
    /// The answer as sent: read up to its declared length, or to the close when it declares none. (A
    /// 413 leaves its declared body unsent, so Kestrel resets the connection once it gives up waiting
    /// for it: reading on to the close would meet that reset.)
    /// </summary>
    async Task<string> SendAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, factory.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var text = Encoding.UTF8.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n");
            var length = end < 0 ? null : System.Text.RegularExpressions.Regex.Match(text[..end], @"\r\nContent-Length: (\d+)");
            if (length is { Success: true } && received.Length >= end + 4 + int.Parse(length.Groups[1].Value)) return text;
            var read = await stream.ReadAsync(buffer, cts.Token);
            if (read == 0) return text;
            received.Write(buffer, 0, read);
        }
    }
}
