using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net.WebSockets;

namespace RobynGateway.WebSockets;

/// <summary>
/// Every open websocket of one app, by id and by endpoint: what <c>send_to</c>,
/// <c>broadcast</c>, <c>active_connections</c> and the shutdown's close-all reach. Python calls in
/// through <see cref="SocketCallbacks"/>; nothing here blocks. Beyond this process: the workers of
/// one front through <see cref="Relay"/>, other instances through <see cref="Bus"/> (<c>--broadcast</c>,
/// one process; under <c>--processes</c> the front holds the bus and the relay carries it).
/// </summary>
internal sealed class WebSocketHub : Broadcast.IBusMembers
{
    readonly ConcurrentDictionary<string, SocketConnection> _byId = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, SocketConnection>.AlternateLookup<ReadOnlySpan<char>> _byIdSpan;
    readonly FrozenDictionary<string, SocketEndpoint> _byPath;
    volatile bool _stopping;

    public WebSocketHub(IReadOnlyList<SocketEndpoint> endpoints)
    {
        Endpoints = endpoints;
        _byIdSpan = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
        // Paths match as HTTP routes do: case-insensitively, one trailing slash ignored.
        _byPath = endpoints.ToFrozenDictionary(e => e.Path, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<SocketEndpoint> Endpoints { get; }

    public bool IsEmpty => Endpoints.Count == 0;

    public int Count => _byId.Count;

    /// <summary>True once the server is stopping: new upgrades are refused.</summary>
    public bool Stopping => _stopping;

    public bool TryGetEndpoint(string path, out SocketEndpoint endpoint)
    {
        if (path.Length > 1 && path[^1] == '/') path = path[..^1];
        return _byPath.TryGetValue(path, out endpoint!);
    }

    /// <summary>With <c>--processes N</c>: the link to the other workers' connections, through the front.</summary>
    public RelayClient? Relay { get; set; }

    /// <summary>With <c>--broadcast</c> in a single process: the link to the other instances.</summary>
    public Broadcast.RedisBus? Bus { get; set; }

    /// <summary>
    /// With <c>--broadcast</c>: the largest message that may leave this process (ROBYN_MAX_PAYLOAD_SIZE),
    /// refused before it is relayed or published; 0 without.
    /// </summary>
    public long MaxOutgoing { get; set; }

    public void Add(SocketConnection connection)
    {
        _byId[connection.Id] = connection;
        connection.Endpoint.Connections[connection.Id] = connection;
        Relay?.Send(new RelayFrame(RelayMessage.Joined, connection.Endpoint.Index, connection.Id, false, []));
        Bus?.Joined(connection.Endpoint.Path, connection.Id);
    }

    public void Remove(SocketConnection connection)
    {
        _byId.TryRemove(connection.Id, out _);
        connection.Endpoint.Connections.TryRemove(connection.Id, out _);
        Relay?.Send(new RelayFrame(RelayMessage.Left, connection.Endpoint.Index, connection.Id, false, []));
        Bus?.Left(connection.Endpoint.Path, connection.Id);
    }

    public SocketConnection? Find(ReadOnlySpan<char> id) => _byIdSpan.TryGetValue(id, out var c) ? c : null;

    /// <summary>
    /// Queues a message for connection <paramref name="id"/>: here, (through the front) in another
    /// worker, or (through Redis) in another instance. False for an id open nowhere.
    /// </summary>
    public bool SendTo(ReadOnlySpan<char> id, ReadOnlySpan<byte> payload, bool binary)
    {
        if (Find(id) is { } local) return local.Send(payload, binary);
        var key = id.ToString();
        if (Relay is { } relay)
        {
            if (!relay.Remote.ContainsKey(key)) return false;
            CheckOutgoing(payload.Length);
            relay.Send(new RelayFrame(RelayMessage.SendTo, 0, key, binary, payload.ToArray()));
            return true;
        }
        if (Bus is not { } bus || !bus.IsRemote(key)) return false;
        CheckOutgoing(payload.Length);
        return bus.SendTo(key, payload.ToArray(), binary);
    }

    /// <summary>Closes connection <paramref name="id"/> wherever it is open; false for an id open nowhere.</summary>
    public bool Close(ReadOnlySpan<char> id, WebSocketCloseStatus code, string reason)
    {
        if (Find(id) is { } local) return local.RequestClose(code, reason);
        var key = id.ToString();
        if (Relay is { } relay)
        {
            if (!relay.Remote.ContainsKey(key)) return false;
            relay.Send(new RelayFrame(RelayMessage.Close, (int)code, key, false, System.Text.Encoding.UTF8.GetBytes(reason)));
            return true;
        }
        return Bus is { } bus && bus.Close(key, (int)code, reason);
    }

    void CheckOutgoing(int length)
    {
        if (MaxOutgoing > 0 && length > MaxOutgoing)
            throw new MessageTooLargeException($"a websocket message of {length} bytes is over ROBYN_MAX_PAYLOAD_SIZE " +
                $"({MaxOutgoing} bytes): with --broadcast it is refused before it leaves this process; nothing was sent");
    }

    /// <summary>
    /// Queues one message to every connection of the endpoint, in every worker; returns how many
    /// connections it goes to.
    /// </summary>
    public int Broadcast(int endpoint, ReadOnlySpan<byte> payload, bool binary)
    {
        if ((uint)endpoint >= (uint)Endpoints.Count) return 0;
        CheckOutgoing(payload.Length);
        var shared = payload.ToArray(); // one copy, shared by every connection's queue
        var sent = DeliverBroadcast(endpoint, shared, binary);
        if (Relay is { } relay)
        {
            relay.Send(new RelayFrame(RelayMessage.Broadcast, endpoint, "", binary, shared));
            foreach (var remote in relay.Remote.Values)
                if (remote == endpoint) sent++;
        }
        else if (Bus is { } bus)
        {
            var path = Endpoints[endpoint].Path;
            bus.Broadcast(path, shared, binary);
            foreach (var (_, remote) in bus.Remote)
                if (remote.Path == path) sent++;
        }
        return sent;
    }

    /// <summary>A broadcast to this worker's connections only (the local part, or one relayed from another worker).</summary>
    public int DeliverBroadcast(int endpoint, byte[] payload, bool binary)
    {
        if ((uint)endpoint >= (uint)Endpoints.Count) return 0;
        var sent = 0;
        foreach (var connection in Endpoints[endpoint].Connections.Values)
            if (connection.SendShared(payload, binary)) sent++;
        return sent;
    }

    /// <summary>The ids open on the endpoint, here and in the other workers.</summary>
    public List<string> Ids(int endpoint)
    {
        if ((uint)endpoint >= (uint)Endpoints.Count) return [];
        var ids = Endpoints[endpoint].Connections.Keys.ToList();
        if (Relay is { } relay)
            foreach (var (id, e) in relay.Remote)
                if (e == endpoint) ids.Add(id);
        if (Bus is { } bus)
            foreach (var (id, remote) in bus.Remote)
                if (remote.Path == Endpoints[endpoint].Path) ids.Add(id);
        return ids;
    }

    // ---- Broadcast.IBusMembers: what other instances ask of this process ----------------------

    IEnumerable<(string Path, string Id)> Broadcast.IBusMembers.LocalConnections() =>
        _byId.Values.Select(c => (c.Endpoint.Path, c.Id));

    void Broadcast.IBusMembers.DeliverBroadcast(string path, byte[] payload, bool binary)
    {
        if (TryGetEndpoint(path, out var endpoint)) DeliverBroadcast(endpoint.Index, payload, binary);
    }

    void Broadcast.IBusMembers.DeliverTo(string id, byte[] payload, bool binary) => Find(id)?.SendShared(payload, binary);

    void Broadcast.IBusMembers.DeliverClose(string id, int code, string reason) =>
        Find(id)?.RequestClose(code is >= 1000 and <= 4999 ? (WebSocketCloseStatus)code : WebSocketCloseStatus.NormalClosure, reason);

    // The lists are read from the bus itself (Ids, Broadcast), so there is nothing to keep here.
    void Broadcast.IBusMembers.RemoteJoined(string path, string id) { }

    void Broadcast.IBusMembers.RemoteLeft(string path, string id) { }

    /// <summary>
    /// The shutdown: refuses new upgrades, sends every open socket a close frame with
    /// <paramref name="status"/>, and waits (bounded) until their close handlers have run.
    /// </summary>
    public async Task CloseAllAsync(WebSocketCloseStatus status, string reason, TimeSpan wait)
    {
        _stopping = true;
        foreach (var connection in _byId.Values) connection.RequestClose(status, reason);
        var deadline = DateTime.UtcNow + wait;
        while (!_byId.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20).ConfigureAwait(false);
    }
}

/// <summary>A message too large to leave the process under <c>--broadcast</c>; Python sees a ValueError.</summary>
internal sealed class MessageTooLargeException(string message) : Exception(message);
