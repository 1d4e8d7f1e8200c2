using System.Net.WebSockets;
using System.Text;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.WebSockets;

public sealed class WebSocketTestServerFactory() : GatewayFactory("websocket_app.py");

/// <summary>The same endpoints through WebApplicationFactory's in-memory TestServer.</summary>
public sealed class TestServerSocketTests(WebSocketTestServerFactory factory) : IClassFixture<WebSocketTestServerFactory>
{
    [Fact]
    public async Task Both_apis_answer_through_the_test_server()
    {
        var client = factory.Server.CreateWebSocketClient();
        using var echo = await client.ConnectAsync(new Uri("ws://localhost/echo"), default);
        Assert.Equal("connected", await Receive(echo));
        await echo.SendAsync(Encoding.UTF8.GetBytes("in memory"), WebSocketMessageType.Text, true, default);
        Assert.Equal("in memory", await Receive(echo));
        await echo.CloseAsync(WebSocketCloseStatus.NormalClosure, "", default);

        using var chat = await client.ConnectAsync(new Uri("ws://localhost/chat"), default);
        Assert.StartsWith("welcome ", await Receive(chat));
        await chat.CloseAsync(WebSocketCloseStatus.NormalClosure, "", default);
    }

    static async Task<string> Receive(WebSocket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
