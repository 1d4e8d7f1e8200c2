using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using RobynGateway.WebSockets;

namespace RobynGateway.Workers;

/// <summary>
/// The front's websocket relay (<c>--processes N</c>), so that <c>send_to</c>,
/// <c>active_connections</c> and broadcasts reach every worker's clients (Robyn's reach only the
/// process they run in). Each worker connects once to <c>relay.sock</c> and reports its
/// connections; the relay keeps who owns which id, forwards a broadcast to the other workers and a
/// message to the worker that owns its id, and tells every worker about the others' connections
/// (a new worker gets the whole list first). A worker that goes away takes its ids with it.
/// </summary>
internal sealed class SocketRelay(string socketPath, ILogger<SocketRelay> log) : IHostedLifecycleService
{
    readonly ConcurrentDictionary<Link, byte> _links = new();
    readonly ConcurrentDictionary<string, (Link Owner, int Endpoint)> _owners = new(StringComparer.Ordinal);
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
                        break;
                    case RelayMessage.Left:
                        if (_owners.TryRemove(frame.Id, out _)) Others(link, frame);
                        break;
                    case RelayMessage.Broadcast:
                        Others(link, frame);
                        break;
                    case RelayMessage.SendTo:
                        if (_owners.TryGetValue(frame.Id, out var owner)) owner.Owner.Send(frame.Encode());
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
        }
        link.Dispose();
    }

    void Others(Link from, RelayFrame frame)
    {
        var bytes = frame.Encode(); // once, whatever the number of workers
        foreach (var link in _links.Keys)
            if (link != from) link.Send(bytes);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stop.Cancel();
        _listener?.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (var link in _links.Keys) link.Dispose();
        log.LogDebug("Websocket relay stopped");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
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
