using System.Net.WebSockets;
using System.Text;

namespace RobynGateway.Tests.WebSockets;

/// <summary>One message or close frame the server sent.</summary>
public sealed record Received(WebSocketMessageType Type, byte[] Data, WebSocketCloseStatus? CloseStatus, string? CloseReason)
{
    public string Text => Encoding.UTF8.GetString(Data);
    public bool IsClose => Type == WebSocketMessageType.Close;
}

/// <summary>A ClientWebSocket with the waits the tests need, each bounded so a silent server fails the test.</summary>
public sealed class SocketClient : IAsyncDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public ClientWebSocket Socket { get; } = new();

    public static async Task<SocketClient> ConnectAsync(Uri uri)
    {
        var client = new SocketClient();
        using var cts = new CancellationTokenSource(Wait);
        await client.Socket.ConnectAsync(uri, cts.Token);
        return client;
    }

    public async Task SendAsync(string text)
    {
        using var cts = new CancellationTokenSource(Wait);
        await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cts.Token);
    }

    public async Task SendAsync(byte[] data, WebSocketMessageType type = WebSocketMessageType.Binary)
    {
        using var cts = new CancellationTokenSource(Wait);
        await Socket.SendAsync(data, type, true, cts.Token);
    }

    public async Task<Received> ReceiveAsync(TimeSpan? wait = null)
    {
        using var cts = new CancellationTokenSource(wait ?? Wait);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
                return new Received(result.MessageType, [], result.CloseStatus, result.CloseStatusDescription);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return new Received(result.MessageType, message.ToArray(), null, null);
        }
    }

    public async Task<string> ReceiveTextAsync()
    {
        var received = await ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, received.Type);
        return received.Text;
    }

    /// <summary>Sends and returns the next text frame.</summary>
    public async Task<string> AskAsync(string text)
    {
        await SendAsync(text);
        return await ReceiveTextAsync();
    }

    /// <summary>Reads until the close frame (skipping messages) and returns it.</summary>
    public async Task<Received> ReceiveCloseAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            var received = await ReceiveAsync();
            if (received.IsClose) return received;
        }
        throw new InvalidOperationException("no close frame after 100 messages");
    }

    public async Task CloseAsync()
    {
        if (Socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        using var cts = new CancellationTokenSource(Wait);
        await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        catch (Exception)
        {
            // Already gone; disposing is all that is left.
        }
        Socket.Dispose();
    }
}
