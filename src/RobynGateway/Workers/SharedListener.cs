using System.Net;
using System.Net.Sockets;
using RobynGateway.Hosting;

namespace RobynGateway.Workers;

/// <summary>
/// <c>--balance kernel</c>: the public listening sockets, opened by the front, inherited by the
/// workers it starts (FD_CLOEXEC cleared; the numbers go down as <c>--listen-fds</c>), which accept
/// on them with Kestrel's <c>ListenHandle</c>. The kernel spreads the connections; no process proxies.
///
/// For --host/--port, one SO_REUSEPORT socket per worker slot, all on the port: the kernel picks a
/// socket for each new connection by a hash of its addresses and ports, so connections spread evenly
/// over the slots. One socket shared by every worker (gunicorn's and uvicorn's way) spreads them by
/// who calls accept() first instead: measured here, a burst of keep-alive connections (wrk's 64, an
/// nginx upstream pool) often all landed on one worker (96-99 % of the work), which is no scaling.
///
/// The front holds every socket for its whole life, and a slot's replacement worker (after a crash,
/// SIGHUP, --max-requests) inherits the same socket: its queue lives on, and no queued connection is
/// reset (the reason per-worker SO_REUSEPORT sockets are usually avoided). The cost: while a slot
/// has no worker (a crashed one's replacement starting; a SIGSTOPped one until --hang-timeout), the
/// connections hashed to it wait in its queue rather than going to another worker. Before the
/// group is bound, a plain bind checks the port is free, so a second server (ours, or one that sets
/// SO_REUSEPORT) is refused, not silently given a share.
///
/// Order: bound before the first worker starts (a port in use fails the start at once), listening
/// when a worker's Kestrel calls listen() on its handle, and all of them once every worker is ready
/// (<see cref="Listen"/>). A Unix socket (--uds) and the sockets systemd passed (LISTEN_FDS) are one
/// socket shared by all slots: SO_REUSEPORT does not apply to them.
/// </summary>
internal sealed class SharedListener : IDisposable
{
    /// <summary>Kestrel's default backlog (--backlog sets it), so each queue is as deep as one process's.</summary>
    const int DefaultBacklog = 512;

    readonly List<Socket> _owned;
    int _backlog = DefaultBacklog;
    readonly int[][] _bySlot;

    SharedListener(List<Socket> owned, int[][] bySlot, string where)
    {
        _owned = owned;
        _bySlot = bySlot;
        Where = where;
    }

    /// <summary>The descriptors the worker of a slot inherits and accepts on.</summary>
    public IReadOnlyList<int> FdsFor(int slot) => _bySlot[slot];

    /// <summary>For the start's log line.</summary>
    public string Where { get; }

    /// <summary>For the start banner: the public address with the port bound (--port 0 included); null for systemd's sockets.</summary>
    public string? Url { get; private init; }

    public static SharedListener Open(GatewayOptions options, int slots)
    {
        if (Listeners.PassedBySystemd(Environment.GetEnvironmentVariable) is var passed and > 0)
        {
            // systemd's sockets are open and listening already, from descriptor 3 on.
            var fds = Enumerable.Range(3, passed).ToArray();
            foreach (var fd in fds) Posix.KeepAcrossExec(fd);
            return new SharedListener([], Enumerable.Repeat(fds, slots).ToArray(), $"{passed} socket(s) passed by systemd (LISTEN_FDS), shared");
        }
        if (options.UnixSocket is { } path)
        {
            Listeners.ClearStale(path);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            var fd = Inherited(socket);
            return new SharedListener([socket], Enumerable.Repeat(new[] { fd }, slots).ToArray(), $"the Unix socket {path} (mode 0660), shared")
                { _backlog = options.Backlog ?? DefaultBacklog, Url = $"http://unix:{path}" };
        }
        var owned = new List<Socket>();
        var bySlot = Enumerable.Range(0, slots).Select(_ => new List<int>()).ToArray();
        // --port 0: the first socket takes a free port, the others join it there.
        var port = options.Port;
        try
        {
            foreach (var address in Addresses(options.Host))
            {
                if (port != 0) CheckFree(address, port, options);
                for (var slot = 0; slot < slots; slot++)
                {
                    var socket = Bind(address, port, options);
                    port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                    owned.Add(socket);
                    bySlot[slot].Add(Inherited(socket));
                }
            }
        }
        catch
        {
            foreach (var s in owned) s.Dispose();
            throw;
        }
        var url = GatewayHost.PublicUrl(options with { Port = port });
        return new SharedListener(owned, bySlot.Select(l => l.ToArray()).ToArray(), $"{url} (one SO_REUSEPORT socket per worker)")
            { _backlog = options.Backlog ?? DefaultBacklog, Url = url };
    }

    static int Inherited(Socket socket)
    {
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        Posix.KeepAcrossExec(fd);
        return fd;
    }

    /// <summary>As Kestrel reads --host: an IP address; localhost is the loopback of IPv4 and, where there is one, IPv6; any other name listens on every address.</summary>
    static IEnumerable<IPAddress> Addresses(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) return [ip];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
        return [IPAddress.IPv6Any];
    }

    /// <summary>A plain bind (no SO_REUSEPORT) fails if anyone holds the port, a SO_REUSEPORT group included.</summary>
    static void CheckFree(IPAddress address, int port, GatewayOptions options)
    {
        using var probe = Bind(address, port, options, reusePort: false);
    }

    static Socket Bind(IPAddress address, int port, GatewayOptions options, bool reusePort = true)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            var fd = (int)socket.SafeHandle.DangerousGetHandle();
            Posix.ReuseAddress(fd); // a restart binds past TIME_WAIT, as Kestrel does
            if (reusePort) Posix.ReusePort(fd);
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            // Program's own message for a port in use (exit 1), as when Kestrel finds it taken.
            throw new IOException($"Failed to bind to address {GatewayHost.PublicUrl(options)}: address already in use.",
                new Microsoft.AspNetCore.Connections.AddressInUseException(ex.Message, ex));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Once every worker is ready: all listening, whatever the workers' Kestrel did (a second listen() only sets the backlog).</summary>
    public void Listen()
    {
        foreach (var s in _owned) s.Listen(_backlog);
    }

    /// <summary>At the front's exit, after its workers: connections still queued are reset by the kernel.</summary>
    public void Dispose()
    {
        foreach (var s in _owned) s.Dispose();
    }
}
