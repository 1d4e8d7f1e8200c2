using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;

namespace RobynGateway.WebSockets;

/// <summary>
/// A worker's link to the front's relay (<c>--processes N</c>): it tells the front which
/// connections open and close here, forwards broadcasts and messages for connections that live in
/// other workers, and delivers what the front relays from them. It keeps a copy of the other
/// workers' connections (id to endpoint), so <c>active_connections</c> and <c>send_to</c> answer
/// at once without asking. Python threads only queue frames; a writer task sends them.
/// </summary>
internal sealed class RelayClient(string socketPath, ILogger log) : IAsyncDisposable
{
    readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    readonly CancellationTokenSource _stop = new();
    Socket? _socket;
    Task _reader = Task.CompletedTask, _writer = Task.CompletedTask;

    /// <summary>Connections of the other workers: id to endpoint index.</summary>
    public ConcurrentDictionary<string, int> Remote { get; } = new(StringComparer.Ordinal);

    public async Task ConnectAsync(WebSocketHub hub, CancellationToken cancel)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await _socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel);
        var stream = new NetworkStream(_socket, ownsSocket: false);
        Send(new RelayFrame(RelayMessage.Endpoints, 0, "", false,
            System.Text.Encoding.UTF8.GetBytes(string.Join('\n', hub.Endpoints.Select(e => e.Path)))));
        _writer = WriteAsync(stream);
        _reader = ReadAsync(stream, hub);
    }

    public void Send(RelayFrame frame) => _outbox.Writer.TryWrite(frame.Encode());

    async Task WriteAsync(NetworkStream stream)
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync(_stop.Token))
                await stream.WriteAsync(frame, _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The front is gone or we are stopping.
        }
    }

    async Task ReadAsync(NetworkStream stream, WebSocketHub hub)
    {
        try
        {
            while (await RelayFrame.ReadAsync(stream, _stop.Token) is { } frame)
            {
                switch (frame.Type)
                {
                    case RelayMessage.Joined:
                        Remote[frame.Id] = frame.Endpoint;
                        break;
                    case RelayMessage.Left:
                        Remote.TryRemove(frame.Id, out _);
                        break;
                    case RelayMessage.Broadcast:
                        hub.DeliverBroadcast(frame.Endpoint, frame.Payload, frame.Binary);
                        break;
                    case RelayMessage.SendTo:
                        hub.Find(frame.Id)?.SendShared(frame.Payload, frame.Binary);
                        break;
                    case RelayMessage.Close:
                        hub.Find(frame.Id)?.RequestClose((System.Net.WebSockets.WebSocketCloseStatus)frame.Endpoint,
                            System.Text.Encoding.UTF8.GetString(frame.Payload));
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            if (!_stop.IsCancellationRequested) log.LogWarning("The websocket relay to the front ended: {Reason}", ex.Message);
        }
        Remote.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _outbox.Writer.TryComplete();
        _socket?.Dispose();
        await Task.WhenAll(_reader, _writer).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
