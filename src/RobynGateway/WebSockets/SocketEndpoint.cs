using System.Collections.Concurrent;

namespace RobynGateway.WebSockets;

/// <summary>
/// One websocket path of the app (<c>@app.websocket(path)</c> or <c>WebSocket(app, path)</c>), as
/// <c>LoadedApp.websockets</c> declares it: where each of its events runs (the loop, or a sync
/// worker for a legacy sync handler), and the connections open on it now.
/// </summary>
internal sealed class SocketEndpoint(int index, string path, bool openOnLoop, bool messageOnLoop, bool closeOnLoop)
{
    public int Index { get; } = index;
    public string Path { get; } = path;
    public bool OpenOnLoop { get; } = openOnLoop;
    public bool MessageOnLoop { get; } = messageOnLoop;
    public bool CloseOnLoop { get; } = closeOnLoop;

    /// <summary>By connection id: what broadcasts and <c>active_connections</c> walk.</summary>
    public ConcurrentDictionary<string, SocketConnection> Connections { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads <c>LoadedApp.websockets</c>.</summary>
    public static IReadOnlyList<SocketEndpoint> Read(Python.PyHandle loaded, Python.GilHeld gil)
    {
        using var declared = loaded.GetAttr("websockets", gil);
        var index = 0;
        return declared.Select(gil, (e, g) => new SocketEndpoint(
            index++, e.TextAt(0, g), e.TruthAt(1, g), e.TruthAt(2, g), e.TruthAt(3, g)));
    }

    public override string ToString() => $"websocket {Path}";
}
