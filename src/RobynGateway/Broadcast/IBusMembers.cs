namespace RobynGateway.Broadcast;

/// <summary>
/// This instance's side of the Redis link: the one process's <see cref="WebSockets.WebSocketHub"/>,
/// or the front's <see cref="Workers.SocketRelay"/> under <c>--processes N</c>, which speaks for
/// all its workers. Called from the bus's reader (one message at a time, in order); nothing blocks.
/// </summary>
internal interface IBusMembers
{
    /// <summary>Every websocket open in this instance, for a roster.</summary>
    IEnumerable<(string Path, string Id)> LocalConnections();

    void DeliverBroadcast(string path, byte[] payload, bool binary);

    void DeliverTo(string id, byte[] payload, bool binary);

    void DeliverClose(string id, int code, string reason);

    /// <summary>A connection of another instance appeared or went (the front tells its workers).</summary>
    void RemoteJoined(string path, string id);

    void RemoteLeft(string path, string id);
}
