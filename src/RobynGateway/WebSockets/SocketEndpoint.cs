using System.Collections.Concurrent;
using Python.Runtime;

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
    public static IReadOnlyList<SocketEndpoint> Read(PyObject loaded, Python.GilHeld gil)
    {
        using var declared = loaded.GetAttr("websockets");
        return new PyIterable(declared).Select((e, i) => new SocketEndpoint(
            i, e[0].As<string>(), e[1].As<bool>(), e[2].As<bool>(), e[3].As<bool>())).ToList();
    }

    public override string ToString() => $"websocket {Path}";
}
