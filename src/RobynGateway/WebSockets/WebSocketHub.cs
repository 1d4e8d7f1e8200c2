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

    public void Add(SocketConnection connection)
    {
        _byId[connection.Id] = connection;
        connection.Endpoint.Connections[connection.Id] = connection;
    }

    public void Remove(SocketConnection connection)
    {
        _byId.TryRemove(connection.Id, out _);
        connection.Endpoint.Connections.TryRemove(connection.Id, out _);
    }

    public SocketConnection? Find(ReadOnlySpan<char> id) => _byIdSpan.TryGetValue(id, out var c) ? c : null;

    /// <summary>Queues one message to every connection of the endpoint; returns how many took it.</summary>
    public int Broadcast(int endpoint, ReadOnlySpan<byte> payload, bool binary)
    {
        if ((uint)endpoint >= (uint)Endpoints.Count) return 0;
        var shared = payload.ToArray(); // one copy, shared by every connection's queue
        var sent = 0;
        foreach (var connection in Endpoints[endpoint].Connections.Values)
            if (connection.SendShared(shared, binary)) sent++;
        return sent;
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
