using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.TestHost;

namespace RobynGateway.TestClient;

/// <summary>One message a <see cref="TestSocket"/> received: a text or binary frame, or the close.</summary>
internal readonly record struct TestSocketMessage(TestSocketMessageKind Kind, byte[] Payload, int CloseCode);

internal enum TestSocketMessageKind { Text = 0, Binary = 1, Close = 2 }

/// <summary>
/// The client end of one websocket the TestClient opened, through ASP.NET's in-memory TestServer
/// (<see cref="TestServer.CreateWebSocketClient"/>), so the upgrade meets the very websocket stage
/// the server runs.
///
/// Design notes:
/// * A pump task reads whole messages as they come and queues them, so <see cref="Receive"/> can
///   give up after its timeout without cancelling a read (a cancelled websocket read aborts the
///   socket): the next Receive finds the message whenever it arrives, even while none waits.
/// * The close the server sends (or a dropped connection, as 1006) is the last message, and every
///   Receive after it returns it again.
/// * Sends are serialised (a WebSocket allows one send at a time); Close sends the close frame
///   and waits, bounded, for the server's answer to reach the pump.
/// </summary>
internal sealed class TestSocket
{
    const int MaxMessageSize = 64 << 20;
    const int Abnormal = 1006;

    readonly WebSocket _socket;
    readonly Channel<TestSocketMessage> _inbox = Channel.CreateUnbounded<TestSocketMessage>(
        new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
    readonly SemaphoreSlim _sending = new(1, 1);
    readonly Task _pump;
    TestSocketMessage? _closed;

    TestSocket(WebSocket socket)
    {
        _socket = socket;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Opens <paramref name="target"/> (path and query, percent-encoded) with the given request headers.</summary>
    public static TestSocket Connect(TestServer server, string target, List<KeyValuePair<string, string>> headers, TimeSpan timeout)
    {
        var client = server.CreateWebSocketClient();
        client.ConfigureRequest = request =>
        {
            foreach (var (name, value) in headers)
            {
                if (string.Equals(name, "host", StringComparison.OrdinalIgnoreCase)) request.Host = new HostString(value);
                else request.Headers.Append(name, value);
            }
        };
        using var cancel = new CancellationTokenSource(timeout);
        var uri = new Uri(new Uri("ws://localhost"), target);
        try
        {
            return new TestSocket(client.ConnectAsync(uri, cancel.Token).GetAwaiter().GetResult());
        }
        catch (OperationCanceledException)
        {
            throw new TestRequestTimeoutException(
                $"websocket {target}: the upgrade got no answer within {timeout.TotalSeconds:0.###} s.");
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("handshake", StringComparison.OrdinalIgnoreCase))
        {
            // TestServer says "Incomplete handshake, status code: 404" when the app answered instead of upgrading.
            throw new TestSocketRefusedException($"websocket {target}: the server refused the upgrade ({ex.Message}).");
        }
    }

    async Task PumpAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (message.Length + result.Count > MaxMessageSize)
                        throw new InvalidDataException($"a message over {MaxMessageSize} bytes");
                    message.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var reason = System.Text.Encoding.UTF8.GetBytes(_socket.CloseStatusDescription ?? "");
                    Finish(new(TestSocketMessageKind.Close, reason, (int?)_socket.CloseStatus ?? 1005));
                    return;
                }
                var kind = result.MessageType == WebSocketMessageType.Binary ? TestSocketMessageKind.Binary : TestSocketMessageKind.Text;
                _inbox.Writer.TryWrite(new(kind, message.ToArray(), 0));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidDataException)
        {
            Finish(new(TestSocketMessageKind.Close, System.Text.Encoding.UTF8.GetBytes(ex.Message), Abnormal));
        }
    }

    void Finish(TestSocketMessage close)
    {
        _inbox.Writer.TryWrite(close);
        _inbox.Writer.TryComplete();
    }

    /// <summary>The next message; the close once the connection has ended.</summary>
    public TestSocketMessage Receive(TimeSpan timeout)
    {
        if (_closed is { } closed) return closed;
        // Waits without taking: a ReadAsync given up at its timeout would still take the next
        // message when it came (before a later Receive asked), and that message would be lost.
        if (!_inbox.Reader.TryRead(out var message))
        {
            if (!_inbox.Reader.WaitToReadAsync().AsTask().Wait(timeout))
                throw new TestRequestTimeoutException($"no websocket message within {timeout.TotalSeconds:0.###} s.");
            // The pump writes the close before it completes the inbox, so a message is there.
            if (!_inbox.Reader.TryRead(out message)) message = new(TestSocketMessageKind.Close, [], Abnormal);
        }
        if (message.Kind == TestSocketMessageKind.Close) _closed = message;
        return message;
    }

    public void Send(bool binary, byte[] payload, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        if (!_sending.Wait(timeout))
            throw new TestRequestTimeoutException($"websocket send waited over {timeout.TotalSeconds:0.###} s for an earlier send.");
        try
        {
            if (_socket.State != WebSocketState.Open)
                throw new TestSocketClosedException("the websocket is closed: nothing can be sent on it.");
            _socket.SendAsync(payload, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, cancel.Token)
                .GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            throw new TestRequestTimeoutException($"websocket send did not finish within {timeout.TotalSeconds:0.###} s.");
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sends our close frame (unless the socket is already closed) and waits, bounded, for the server's.</summary>
    public void Close(int code, string reason, TimeSpan timeout)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived && _sending.Wait(timeout))
            {
                try
                {
                    using var cancel = new CancellationTokenSource(timeout);
                    _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, cancel.Token).GetAwaiter().GetResult();
                }
                finally
                {
                    _sending.Release();
                }
            }
            _pump.Wait(timeout);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or AggregateException)
        {
            // The connection is gone already: nothing left to close.
        }
        finally
        {
            _socket.Abort();
            _socket.Dispose();
        }
    }
}

/// <summary>The upgrade was answered with an HTTP response instead (no websocket at that path, say).</summary>
internal sealed class TestSocketRefusedException(string message) : Exception(message);

/// <summary>A send on a websocket that has closed.</summary>
internal sealed class TestSocketClosedException(string message) : Exception(message);
