namespace RobynGateway.Workers;

/// <summary>
/// Whether any byte of the request being forwarded reached a worker's socket. The retry decision
/// rests on it: a request that never got out (the connection was refused, or broke as it was
/// written) is safe to send elsewhere; one that got out may have run, and may have killed its
/// worker, so it is never sent again.
///
/// The forwarder's error cannot tell: when a worker dies while running a request that went out
/// on a pooled connection, SocketsHttpHandler retries it on a new connection to the same socket,
/// and the error that surfaces is that retry's "connection refused". So ForwardToWorker sets a
/// <see cref="SentToWorker"/> for the request (an AsyncLocal flows into the handler's writes,
/// which run in the request's async flow), and every worker connection's stream
/// (<see cref="TrackingStream"/>) marks it once a write has completed.
/// </summary>
internal sealed class SentToWorker
{
    static readonly AsyncLocal<SentToWorker?> Current = new();

    volatile bool _sent;

    public bool Sent => _sent;

    /// <summary>Starts tracking for the current request (one small object and one context change per request).</summary>
    public static SentToWorker Begin()
    {
        var state = new SentToWorker();
        Current.Value = state;
        return state;
    }

    /// <summary>Called by a worker connection after a write completed.</summary>
    public static void MarkWritten()
    {
        if (Current.Value is { _sent: false } state) state._sent = true;
    }
}
