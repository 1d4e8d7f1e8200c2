using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Text;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.WebSockets;

/// <summary>Websockets over TLS from Kestrel: wss:// over HTTP/1.1 (upgrade) and over HTTP/2 (extended CONNECT, RFC 8441).</summary>
public sealed class SecureSocketTests
{
    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task A_websocket_over_tls_works_in_both_http_versions(string version)
    {
        using var certificate = TestCertificate.Create();
        await using var gateway = await GatewayProcess.Start("websocket_app.py",
            ["--ssl-certfile", certificate.CertFile, "--ssl-keyfile", certificate.KeyFile]).WaitReadyAsync();

        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.Certificate.GetCertHashString(),
            },
        };
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = Version.Parse(version);
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{gateway.Port}/echo"), new HttpMessageInvoker(handler), cts.Token);
        Assert.Equal(version == "2.0" ? HttpStatusCode.OK : HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);

        var buffer = new byte[256];
        var greeting = await socket.ReceiveAsync(buffer, cts.Token);
        Assert.Equal("connected", Encoding.UTF8.GetString(buffer, 0, greeting.Count));
        await socket.SendAsync("over tls"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        var echo = await socket.ReceiveAsync(buffer, cts.Token);
        Assert.Equal("over tls", Encoding.UTF8.GetString(buffer, 0, echo.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
    }
}
