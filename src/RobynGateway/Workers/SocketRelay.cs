using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using RobynGateway.Broadcast;
using RobynGateway.WebSockets;

namespace RobynGateway.Workers;

/// <summary>
/// The front's websocket relay (<c>--processes N</c>), so that <c>send_to</c>,
/// <c>active_connections</c> and broadcasts reach every worker's clients (Robyn's reach only the
/// process they run in). Each worker connects once to <c>relay.sock</c> and reports its
/// connections; the relay keeps who owns which id, forwards a broadcast to the other workers and a
/// message to the worker that owns its id, and tells every worker about the others' connections
/// (a new worker gets the whole list first). A worker that goes away takes its ids with it.
/// With <c>--broadcast</c> the relay also speaks for all its workers on Redis (<see cref="RedisBus"/>):
/// the workers' connections, broadcasts, sends and closes for ids of other instances go out there,
/// and what other instances send comes in and is relayed as if from another worker.
/// </summary>
internal sealed class SocketRelay(string socketPath, ILogger<SocketRelay> log, RedisBus? bus = null) : IHostedLifecycleService, IBusMembers
{
    readonly ConcurrentDictionary<Link, byte> _links = new();
    readonly ConcurrentDictionary<string, (Link Owner, int Endpoint)> _owners = new(StringComparer.Ordinal);
    /// <summary>The workers' websocket paths by index (they all serve the same app): how --broadcast names endpoints.</summary>
    volatile string[] _paths = [];

    public RedisBus? Bus => bus;

    /// <summary>Whether --broadcast links this instance (asked without touching the bus's type).</summary>
    public bool HasBus => bus is not null;

    /// <summary>The bus's state for /ready.</summary>
    public string BusDetail() => bus!.Detail;
    readonly CancellationTokenSource _stop = new();
    Socket? _listener;
    Task _accepting = Task.CompletedTask;

    /// <summary>Listens before the supervisor starts the workers (lifecycle services start in registration order).</summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(socketPath)) File.Delete(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(64);
        _accepting = AcceptAsync(_listener);
        return Task.CompletedTask;
    }

    /// <summary>Joins Redis once the workers can report their connections (they start in StartAsync).</summary>
    public Task StartedAsync(CancellationToken cancellationToken) => bus?.StartAsync(this) ?? Task.CompletedTask;

    async Task AcceptAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var link = new Link(socket);
            // The newcomer learns every connection open elsewhere before anything else.
            foreach (var (id, (_, endpoint)) in _owners) link.Send(new RelayFrame(RelayMessage.Joined, endpoint, id, false, []).Encode());
            if (bus is not null)
                foreach (var (id, remote) in bus.Remote)
                    if (Index(remote.Path) is { } endpoint) link.Send(new RelayFrame(RelayMessage.Joined, endpoint, id, false, []).Encode());
            _links[link] = 0;
            _ = ServeAsync(link);
        }
    }

    async Task ServeAsync(Link link)
    {
        try
        {
            while (await RelayFrame.ReadAsync(link.Stream, _stop.Token) is { } frame)
            {
                switch (frame.Type)
                {
                    case RelayMessage.Joined:
                        _owners[frame.Id] = (link, frame.Endpoint);
                        Others(link, frame);
                        if (Path(frame.Endpoint) is { } joined) bus?.Joined(joined, frame.Id);
                        break;
                    case RelayMessage.Left:
                        if (!_owners.TryRemove(frame.Id, out _)) break;
                        Others(link, frame);
                        if (Path(frame.Endpoint) is { } left) bus?.Left(left, frame.Id);
                        break;
                    case RelayMessage.Broadcast:
                        Others(link, frame);
                        if (Path(frame.Endpoint) is { } path) bus?.Broadcast(path, frame.Payload, frame.Binary);
                        break;
                    case RelayMessage.SendTo:
                        if (_owners.TryGetValue(frame.Id, out var owner)) owner.Owner.Send(frame.Encode());
                        else bus?.SendTo(frame.Id, frame.Payload, frame.Binary);
                        break;
                    case RelayMessage.Close:
                        if (_owners.TryGetValue(frame.Id, out var target)) target.Owner.Send(frame.Encode());
                        else bus?.Close(frame.Id, frame.Endpoint, Encoding.UTF8.GetString(frame.Payload));
                        break;
                    case RelayMessage.Endpoints:
                        _paths = Encoding.UTF8.GetString(frame.Payload).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            // The worker went away.
        }
        _links.TryRemove(link, out _);
        foreach (var (id, entry) in _owners)
        {
            if (entry.Owner != link || !_owners.TryRemove(id, out _)) continue;
            Others(link, new RelayFrame(RelayMessage.Left, entry.Endpoint, id, false, []));
            if (Path(entry.Endpoint) is { } path) bus?.Left(path, id);
        }
        link.Dispose();
    }

    void Others(Link from, RelayFrame frame)
    {
        var bytes = frame.Encode(); // once, whatever the number of workers
        foreach (var link in _links.Keys)
            if (link != from) link.Send(bytes);
    }

    string? Path(int endpoint) => _paths is var paths && (uint)endpoint < (uint)paths.Length ? paths[endpoint] : null;

    int? Index(string path) => Array.IndexOf(_paths, path) is var i and >= 0 ? i : null;

    void All(RelayFrame frame)
    {
        var bytes = frame.Encode();
        foreach (var link in _links.Keys) link.Send(bytes);
    }

    // ---- IBusMembers: what other instances ask of this one's workers ------------------------------

    IEnumerable<(string Path, string Id)> IBusMembers.LocalConnections()
    {
        foreach (var (id, (_, endpoint)) in _owners)
            if (Path(endpoint) is { } path) yield return (path, id);
    }

    void IBusMembers.DeliverBroadcast(string path, byte[] payload, bool binary)
    {
        if (Index(path) is { } endpoint) All(new RelayFrame(RelayMessage.Broadcast, endpoint, "", binary, payload));
    }

    void IBusMembers.DeliverTo(string id, byte[] payload, bool binary)
    {
        if (_owners.TryGetValue(id, out var owner)) owner.Owner.Send(new RelayFrame(RelayMessage.SendTo, 0, id, binary, payload).Encode());
    }

    void IBusMembers.DeliverClose(string id, int code, string reason)
    {
        if (_owners.TryGetValue(id, out var owner))
            owner.Owner.Send(new RelayFrame(RelayMessage.Close, code is >= 1000 and <= 4999 ? code : 1000, id, false, Encoding.UTF8.GetBytes(reason)).Encode());
    }

    void IBusMembers.RemoteJoined(string path, string id)
    {
        if (Index(path) is { } endpoint) All(new RelayFrame(RelayMessage.Joined, endpoint, id, false, []));
    }

    void IBusMembers.RemoteLeft(string path, string id)
    {
        if (Index(path) is { } endpoint) All(new RelayFrame(RelayMessage.Left, endpoint, id, false, []));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stop.Cancel();
        _listener?.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (var link in _links.Keys) link.Dispose();
        if (bus is not null) await bus.DisposeAsync();
        log.LogDebug("Websocket relay stopped");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One worker's connection to the relay, with its own writer so a slow worker delays only itself.</summary>
    sealed class Link : IDisposable
    {
        readonly Socket _socket;
        readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

        public Link(Socket socket)
        {
            _socket = socket;
            Stream = new NetworkStream(socket, ownsSocket: false);
            _ = WriteAsync();
        }

        public NetworkStream Stream { get; }

        public void Send(byte[] frame) => _outbox.Writer.TryWrite(frame);

        async Task WriteAsync()
        {
            try
            {
                await foreach (var frame in _outbox.Reader.ReadAllAsync())
                    await Stream.WriteAsync(frame);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // The worker went away; ServeAsync cleans up.
            }
        }

        public void Dispose()
        {
            _outbox.Writer.TryComplete();
            _socket.Dispose();
        }
    }
}
