using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net.WebSockets;

namespace RobynGateway.WebSockets;

/// <summary>
/// Every open websocket of one app, by id and by endpoint: what <c>send_to</c>,
/// <c>broadcast</c>, <c>active_connections</c> and the shutdown's close-all reach. Python calls in
/// through <see cref="SocketCallbacks"/>; nothing here blocks.
/// </summary>
internal sealed class WebSocketHub
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

    public void Add(SocketConnection connection)
    {
        _byId[connection.Id] = connection;
        connection.Endpoint.Connections[connection.Id] = connection;
        Relay?.Send(new RelayFrame(RelayMessage.Joined, connection.Endpoint.Index, connection.Id, false, []));
    }

    public void Remove(SocketConnection connection)
    {
        _byId.TryRemove(connection.Id, out _);
        connection.Endpoint.Connections.TryRemove(connection.Id, out _);
        Relay?.Send(new RelayFrame(RelayMessage.Left, connection.Endpoint.Index, connection.Id, false, []));
    }

    public SocketConnection? Find(ReadOnlySpan<char> id) => _byIdSpan.TryGetValue(id, out var c) ? c : null;

    /// <summary>Queues a message for connection <paramref name="id"/>, here or (through the front) in another worker.</summary>
    public bool SendTo(ReadOnlySpan<char> id, ReadOnlySpan<byte> payload, bool binary)
    {
        if (Find(id) is { } local) return local.Send(payload, binary);
        if (Relay is not { } relay) return false;
        var key = id.ToString();
        if (!relay.Remote.ContainsKey(key)) return false;
        relay.Send(new RelayFrame(RelayMessage.SendTo, 0, key, binary, payload.ToArray()));
        return true;
    }

    /// <summary>
    /// Queues one message to every connection of the endpoint, in every worker; returns how many
    /// connections it goes to.
    /// </summary>
    public int Broadcast(int endpoint, ReadOnlySpan<byte> payload, bool binary)
    {
        if ((uint)endpoint >= (uint)Endpoints.Count) return 0;
        var shared = payload.ToArray(); // one copy, shared by every connection's queue
        var sent = DeliverBroadcast(endpoint, shared, binary);
        if (Relay is { } relay)
        {
            relay.Send(new RelayFrame(RelayMessage.Broadcast, endpoint, "", binary, shared));
            foreach (var remote in relay.Remote.Values)
                if (remote == endpoint) sent++;
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
        return ids;
    }

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
