namespace RobynGateway.Hosting;

/// <summary>
/// Who spreads the connections of <c>--processes</c> over the workers, and why (the start's log says both).
///
/// kernel, the default on Linux: the front opens the port and the workers accept on it themselves
/// (<see cref="Workers.SharedListener"/>). Nothing is proxied, so a request costs a worker what it
/// costs one process, and N processes scale with the cores. front: the front accepts every connection
/// and proxies each request with YARP, which costs a hop in the front and another in the worker, but
/// buys what only a proxy can do: a request whose worker dies gets a 502 and a log line naming it, a
/// refused idempotent request is retried on another worker, a stopped worker is routed around, and
/// one /ready joins every worker's health checks.
///
/// front where kernel mode cannot work: not Linux (SO_REUSEPORT does not spread connections on
/// macOS and other BSDs, and Windows has none), and <c>--max-connections</c>, a bound on the whole
/// instance's connections that only a front accepting all of them can count. Asking for kernel
/// with --max-connections is refused (<see cref="CheckAsked"/>) rather than dropping the bound.
/// </summary>
internal sealed record BalanceMode(bool Kernel, string Why)
{
    public string Name => Kernel ? "kernel" : "front";

    /// <param name="asked">front, kernel or null (not set: the default applies).</param>
    /// <param name="askedBy">Where it was set, for the log: "--balance " or "ROBYN_BALANCE=" (appsettings' Robyn:Balance included).</param>
    public static BalanceMode Choose(string? asked, string askedBy, int? maxConnections, bool linux) => asked switch
    {
        "front" => new(false, $"{askedBy}front"),
        "kernel" => new(true, $"{askedBy}kernel"),
        _ when !linux => new(false, "the default off Linux, where SO_REUSEPORT does not spread connections over the workers"),
        _ when maxConnections is not null => new(false, "the default with --max-connections, a bound only a front that accepts every connection can count"),
        _ => new(true, "the default on Linux: the workers accept connections themselves, nothing is proxied"),
    };

    /// <summary>Kernel mode asked for where it cannot keep a promise: a usage error, not a silent change.</summary>
    public static void CheckAsked(BalanceMode mode, int? maxConnections)
    {
        if (mode.Kernel && maxConnections is not null)
            throw new UsageException($"--max-connections with {mode.Why}: the workers accept connections themselves, "
                + "so no process can count the instance's; use --balance front, or drop --max-connections.");
    }
}
