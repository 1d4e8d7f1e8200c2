using System.Collections.Concurrent;
using System.Threading.Channels;
using StackExchange.Redis;

namespace RobynGateway.Broadcast;

/// <summary>
/// Design notes. One instance's link to every other instance through one Redis pub/sub channel
/// (<c>--broadcast</c>). Everything goes through that single channel, published by one writer task
/// in order, so what one instance says arrives everywhere in the order it said it (Redis keeps a
/// publisher's order), including a Joined before the messages for that connection.
///
/// Presence: each instance publishes Joined/Left as its connections come and go, a Roster (all of
/// them) when it joins or is asked, and a Beat every <see cref="BeatInterval"/> with its count. A
/// peer not heard from for <see cref="Expiry"/> is dropped with all its ids (a SIGKILLed instance),
/// checked every beat: gone from every list within Expiry + BeatInterval. A Beat whose count differs
/// from what we hold (a message lost while apart, or a newcomer) makes us ask for that roster.
///
/// Failure: while Redis is unreachable the instance is alone: it drops every remote id at once,
/// publishes nothing (messages sent while apart are lost, never replayed), logs once and says so in
/// <see cref="Detail"/> (/ready). StackExchange.Redis reconnects by itself; the next beat that finds
/// the channel subscribed again publishes our roster and asks for everyone's.
///
/// Backpressure: Python threads only queue (never wait on Redis). What is queued or in flight to
/// Redis is at most <see cref="MaxQueuedBytes"/> (16 MiB, the per-reader rule of a websocket's own
/// queue); beyond, messages are dropped, counted and logged once per 10 s. Redis bounds what it buffers
/// for a slow subscriber itself (client-output-buffer-limit pubsub), and delivery here only queues
/// into each connection's own bounded queue.
/// </summary>
internal sealed class RedisBus : IAsyncDisposable
{
    public static readonly TimeSpan BeatInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);
    const long MaxQueuedBytes = 16L << 20;
    const int Window = 64;
    static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(2);

    enum State { Starting, Joined, Apart }

    readonly BroadcastUrl _url;
    readonly ILogger _log;
    // Boxed: a struct field of StackExchange.Redis's would load that assembly wherever this type is
    // merely named (a worker's /ready, the front's relay), --broadcast or not.
    readonly System.Runtime.CompilerServices.StrongBox<RedisChannel> _channel;
    readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    readonly CancellationTokenSource _stop = new();
    readonly object _gate = new();
    /// <summary>Other instances' connections: id to (instance, path).</summary>
    readonly ConcurrentDictionary<string, (string Instance, string Path)> _remote = new(StringComparer.Ordinal);
    readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal); // under _gate
    IBusMembers _members = null!;
    ConnectionMultiplexer? _redis;
    ChannelMessageQueue? _queue;
    volatile State _state = State.Starting;
    string _reason = "connecting";
    DateTime _apartSince;
    long _queued, _dropped;
    long _lastDropLog;
    Task _writer = Task.CompletedTask, _beats = Task.CompletedTask;

    public RedisBus(BroadcastUrl url, ILogger log)
    {
        _url = url;
        _log = log;
        _channel = new(url.Channel);
    }

    /// <summary>This instance's id on the channel.</summary>
    public string Instance { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    /// <summary>The largest message that may be published (ROBYN_MAX_PAYLOAD_SIZE).</summary>
    public long MaxMessage { get; init; } = long.MaxValue;

    public IEnumerable<KeyValuePair<string, (string Instance, string Path)>> Remote => _remote;

    public bool IsRemote(string id) => _remote.ContainsKey(id);

    /// <summary>For /ready's answer: the link's state (never makes the instance unready).</summary>
    public string Detail
    {
        get
        {
            lock (_gate)
            {
                return _state switch
                {
                    State.Joined => $"broadcast: joined {_url}, {_peers.Count} other instance(s)",
                    State.Apart => $"broadcast: Redis {_url} unreachable since {_apartSince:HH:mm:ss} UTC ({_reason}); serving this instance's clients only",
                    _ => $"broadcast: connecting to {_url}; serving this instance's clients only",
                };
            }
        }
    }

    /// <summary>Connects (or keeps trying in the background) and starts beating. Never throws for an unreachable Redis.</summary>
    public async Task StartAsync(IBusMembers members)
    {
        _members = members;
        _redis = await ConnectionMultiplexer.ConnectAsync(_url.Configuration($"robyn-gateway-{Instance}")).ConfigureAwait(false);
        _redis.ConnectionFailed += (_, e) => GoApart($"{e.FailureType} ({e.EndPoint})");
        _writer = WriteAsync();
        _beats = BeatAsync();
        await TickAsync().ConfigureAwait(false); // join now if Redis is there
    }

    // ---- what this instance says ---------------------------------------------------------------

    public void Joined(string path, string id) => Publish(new BusMessage { Type = BusType.Joined, Sender = Instance, Path = path, Id = id });

    public void Left(string path, string id) => Publish(new BusMessage { Type = BusType.Left, Sender = Instance, Path = path, Id = id });

    public void Broadcast(string path, byte[] payload, bool binary) =>
        Publish(new BusMessage { Type = BusType.Broadcast, Sender = Instance, Path = path, Binary = binary, Payload = payload });

    /// <summary>False when no other instance has that id.</summary>
    public bool SendTo(string id, byte[] payload, bool binary)
    {
        if (!_remote.ContainsKey(id)) return false;
        Publish(new BusMessage { Type = BusType.SendTo, Sender = Instance, Id = id, Binary = binary, Payload = payload });
        return true;
    }

    public bool Close(string id, int code, string reason)
    {
        if (!_remote.ContainsKey(id)) return false;
        Publish(new BusMessage { Type = BusType.Close, Sender = Instance, Id = id, Number = code, Text = reason });
        return true;
    }

    void Publish(BusMessage message)
    {
        if (_state != State.Joined) return; // apart: not promised, not queued
        var bytes = message.Encode();
        if (Interlocked.Add(ref _queued, bytes.Length) > MaxQueuedBytes)
        {
            Interlocked.Add(ref _queued, -bytes.Length);
            var dropped = Interlocked.Increment(ref _dropped);
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastDropLog);
            if (now - last > 10_000 && Interlocked.CompareExchange(ref _lastDropLog, now, last) == last)
                _log.LogWarning("--broadcast: Redis is behind ({Max} MiB queued); {Count} message(s) dropped so far",
                    MaxQueuedBytes >> 20, dropped);
            return;
        }
        if (!_outbox.Writer.TryWrite(bytes)) Interlocked.Add(ref _queued, -bytes.Length);
    }

    /// <summary>
    /// The one writer. A message counts against <see cref="MaxQueuedBytes"/> from the moment it is
    /// queued until Redis has taken it, so a stalled Redis holds at most that much here, whether
    /// still queued or in the client's pipe.
    /// </summary>
    async Task WriteAsync()
    {
        var pending = new Queue<Task>(Window);
        try
        {
            await foreach (var bytes in _outbox.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_redis is not { } redis || _state != State.Joined)
                {
                    Interlocked.Add(ref _queued, -bytes.Length);
                    continue;
                }
                // One writer, so the client sends them in this order.
                var publish = redis.GetSubscriber().PublishAsync(_channel.Value, bytes);
                var length = bytes.Length;
                _ = publish.ContinueWith(t =>
                {
                    _ = t.Exception; // lost with the connection: the failure event makes us apart
                    Interlocked.Add(ref _queued, -length);
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                pending.Enqueue(publish);
                while (pending.Count >= Window || pending.Count > 0 && pending.Peek().IsCompleted)
                    await Settle(pending.Dequeue()).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        while (pending.Count > 0) await Settle(pending.Dequeue()).ConfigureAwait(false);
    }

    static async Task Settle(Task publish)
    {
        try
        {
            await publish.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
        }
    }

    // ---- presence ------------------------------------------------------------------------------

    async Task BeatAsync()
    {
        using var timer = new PeriodicTimer(BeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await TickAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    GoApart(ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task TickAsync()
    {
        if (_redis is not { } redis) return;
        if (_queue is null && redis.IsConnected)
        {
            // The first subscribe may find Redis down; StackExchange.Redis renews it after that itself.
            try
            {
                var queue = await redis.GetSubscriber().SubscribeAsync(_channel.Value).ConfigureAwait(false);
                queue.OnMessage(Receive); // one message at a time, in order
                _queue = queue;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                GoApart(ex.Message);
                return;
            }
        }
        var up = _queue is not null && redis.IsConnected && redis.GetSubscriber().IsConnected(_channel.Value);
        if (!up)
        {
            GoApart("no connection");
        }
        else if (_state != State.Joined)
        {
            lock (_gate)
            {
                _log.LogInformation(_state == State.Apart
                    ? "--broadcast: Redis {Url} is back; rejoining as instance {Instance}"
                    : "--broadcast: joined {Url} as instance {Instance}", _url, Instance);
                _state = State.Joined;
            }
            PublishRoster();
            Publish(new BusMessage { Type = BusType.Ask, Sender = Instance, Text = "" });
        }
        else
        {
            Publish(new BusMessage { Type = BusType.Beat, Sender = Instance, Number = _members.LocalConnections().Count() });
        }
        Sweep();
    }

    void PublishRoster() =>
        Publish(new BusMessage { Type = BusType.Roster, Sender = Instance, Roster = _members.LocalConnections().ToList() });

    /// <summary>Drops the peers not heard from for <see cref="Expiry"/>.</summary>
    void Sweep()
    {
        var now = Environment.TickCount64;
        lock (_gate)
        {
            foreach (var (instance, peer) in _peers.ToList())
            {
                if (now - peer.Seen <= Expiry.TotalMilliseconds) continue;
                _log.LogInformation("--broadcast: instance {Instance} went silent; its {Count} connection(s) leave every list", instance, peer.Ids.Count);
                DropPeer(instance, peer);
            }
        }
    }

    void GoApart(string reason)
    {
        lock (_gate)
        {
            if (_state == State.Apart) return;
            _state = State.Apart;
            _reason = reason;
            _apartSince = DateTime.UtcNow;
            _log.LogWarning("--broadcast: Redis {Url} is unreachable ({Reason}); websockets reach this instance's clients only " +
                "until it is back (logged once)", _url, reason);
            foreach (var (instance, peer) in _peers.ToList()) DropPeer(instance, peer);
        }
    }

    /// <summary>Under _gate.</summary>
    void DropPeer(string instance, Peer peer)
    {
        _peers.Remove(instance);
        foreach (var (id, path) in peer.Ids)
        {
            _remote.TryRemove(id, out _);
            _members.RemoteLeft(path, id);
        }
    }

    // ---- what the others say ------------------------------------------------------------------

    void Receive(ChannelMessage message)
    {
        if (BusMessage.Decode((byte[])message.Message!) is not { } m || m.Sender == Instance) return;
        if (_state != State.Joined) return;
        try
        {
            Handle(m);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "--broadcast: a {Type} message from instance {Instance} failed", m.Type, m.Sender);
        }
    }

    void Handle(BusMessage m)
    {
        switch (m.Type)
        {
            case BusType.Broadcast:
                Touch(m.Sender);
                _members.DeliverBroadcast(m.Path, m.Payload, m.Binary);
                return;
            case BusType.SendTo:
                _members.DeliverTo(m.Id, m.Payload, m.Binary);
                return;
            case BusType.Close:
                _members.DeliverClose(m.Id, m.Number, m.Text);
                return;
            case BusType.Ask:
                Touch(m.Sender);
                if (m.Text.Length == 0 || m.Text == Instance) PublishRoster();
                return;
        }
        var ask = false;
        lock (_gate)
        {
            var peer = Touch(m.Sender);
            switch (m.Type)
            {
                case BusType.Beat:
                    var now = Environment.TickCount64;
                    if (peer.Ids.Count != m.Number && now - peer.Asked > AskAgainAfter.TotalMilliseconds)
                    {
                        peer.Asked = now;
                        ask = true;
                    }
                    break;
                case BusType.Joined:
                    Add(m.Sender, peer, m.Path, m.Id);
                    break;
                case BusType.Left:
                    if (peer.Ids.Remove(m.Id, out var path))
                    {
                        _remote.TryRemove(m.Id, out _);
                        _members.RemoteLeft(path, m.Id);
                    }
                    break;
                case BusType.Roster:
                    var now2 = m.Roster.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
                    foreach (var (id, p) in peer.Ids.ToList())
                    {
                        if (now2.Contains(id)) continue;
                        peer.Ids.Remove(id);
                        _remote.TryRemove(id, out _);
                        _members.RemoteLeft(p, id);
                    }
                    foreach (var (p, id) in m.Roster)
                        if (!peer.Ids.ContainsKey(id)) Add(m.Sender, peer, p, id);
                    break;
            }
        }
        if (ask) Publish(new BusMessage { Type = BusType.Ask, Sender = Instance, Text = m.Sender });
    }

    void Add(string instance, Peer peer, string path, string id)
    {
        peer.Ids[id] = path;
        _remote[id] = (instance, path);
        _members.RemoteJoined(path, id);
    }

    Peer Touch(string instance)
    {
        lock (_gate)
        {
            if (!_peers.TryGetValue(instance, out var peer))
            {
                _peers[instance] = peer = new Peer();
                _log.LogInformation("--broadcast: instance {Instance} joined", instance);
            }
            peer.Seen = Environment.TickCount64;
            return peer;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Our Lefts (the shutdown closed every socket) go out before we leave.
        _outbox.Writer.TryComplete();
        await _writer.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _stop.Cancel();
        await _beats.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (_redis is { } redis) await redis.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    sealed class Peer
    {
        public long Seen;
        public long Asked;
        public Dictionary<string, string> Ids { get; } = new(StringComparer.Ordinal); // id to path
    }
}
