using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace RobynGateway.WebSockets;

/// <summary>
/// The sending half of one accepted websocket, and its close. Python threads queue frames (they
/// hold the GIL and must never wait on a socket), one writer task sends them in order. A close,
/// whoever asks for it (a handler, a limit, the shutdown, the client's own close frame), is queued
/// behind the frames already asked for, so an "Error: ..." sent just before a close still arrives.
/// </summary>
internal sealed class SocketConnection
{
    /// <summary>How long the client has to answer our close frame before the connection is dropped.</summary>
    static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    readonly WebSocket _socket;
    readonly Channel<Frame> _outbox = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false, // the writer never runs on the Python thread that queued
    });
    readonly CancellationTokenSource _abort = new();
    readonly long _maxQueued;
    long _queued;
    int _closing;
    WebSocketCloseStatus _closeStatus;
    string _closeReason = "";

    public SocketConnection(WebSocket socket, SocketEndpoint endpoint, long maxQueued)
    {
        _socket = socket;
        Endpoint = endpoint;
        _maxQueued = maxQueued;
        Id = Guid.NewGuid().ToString();
        Writer = Task.Run(WriteAsync);
    }

    public string Id { get; }
    public SocketEndpoint Endpoint { get; }
    public Task Writer { get; }

    /// <summary>Cancelled when the connection must end now: the close handshake timed out, or a send failed.</summary>
    public CancellationToken Aborted => _abort.Token;

    public bool Closing => Volatile.Read(ref _closing) != 0;

    /// <summary>The code we closed with (or echoed), once closing.</summary>
    public WebSocketCloseStatus CloseStatus => _closeStatus;

    /// <summary>Queues one message. False when the connection is closing or its queue is full (it is then closed).</summary>
    public bool Send(ReadOnlySpan<byte> payload, bool binary)
    {
        if (Closing) return false;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(buffer);
        return Enqueue(new Frame(buffer, payload.Length, binary, Pooled: true));
    }

    /// <summary>Queues a message whose buffer is shared with other connections (a broadcast).</summary>
    public bool SendShared(byte[] payload, bool binary) => !Closing && Enqueue(new Frame(payload, payload.Length, binary, Pooled: false));

    bool Enqueue(Frame frame)
    {
        if (Interlocked.Add(ref _queued, frame.Length) > _maxQueued)
        {
            Interlocked.Add(ref _queued, -frame.Length);
            frame.Release();
            RequestClose(WebSocketCloseStatus.PolicyViolation, "send queue full: the client reads too slowly");
            return false;
        }
        if (_outbox.Writer.TryWrite(frame)) return true;
        Interlocked.Add(ref _queued, -frame.Length);
        frame.Release();
        return false;
    }

    /// <summary>
    /// Starts the close (the first call wins): frames queued so far go out, then the close frame;
    /// the client then has <see cref="CloseHandshakeTimeout"/> to answer before the connection is
    /// dropped. Safe from any thread.
    /// </summary>
    public bool RequestClose(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return false;
        _closeStatus = status;
        _closeReason = Truncate(reason);
        _outbox.Writer.TryComplete();
        _abort.CancelAfter(CloseHandshakeTimeout);
        return true;
    }

    /// <summary>Ends the connection at once (the client vanished, or the handshake timed out).</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closing, 1);
        _outbox.Writer.TryComplete();
        _abort.Cancel();
    }

    async Task WriteAsync()
    {
        var reader = _outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    try
                    {
                        await _socket.SendAsync(frame.Memory, frame.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text,
                            endOfMessage: true, _abort.Token).ConfigureAwait(false);
                        Observability.GatewayMeters.MessageSent(Endpoint.Path);
                    }
                    finally
                    {
                        Interlocked.Add(ref _queued, -frame.Length);
                        frame.Release();
                    }
                }
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The connection is gone: the receiving side notices and runs the close.
            Abort();
            while (reader.TryRead(out var frame)) frame.Release();
        }
    }

    public void Dispose() => _abort.Dispose();

    /// <summary>A close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5).</summary>
    static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= 123) return reason;
        var end = Math.Min(reason.Length, 123);
        while (end > 0 && Encoding.UTF8.GetByteCount(reason.AsSpan(0, end)) > 123) end--;
        return reason[..end];
    }

    readonly record struct Frame(byte[] Buffer, int Length, bool Binary, bool Pooled)
    {
        public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

        public void Release()
        {
            if (Pooled) ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
