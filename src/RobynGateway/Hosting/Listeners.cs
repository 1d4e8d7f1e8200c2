using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RobynGateway.Hosting;

/// <summary>
/// Where the front, or the one process, listens, first match wins:
/// <list type="number">
/// <item>sockets systemd passed (socket activation: <c>LISTEN_PID</c> is this process, <c>LISTEN_FDS</c>
/// descriptors from 3 on), through Kestrel's own <c>UseSystemd</c>: the port is systemd's, so --host and
/// --port are ignored, and a restart never refuses a connection (systemd holds the socket meanwhile);</item>
/// <item><c>--uds PATH</c>: a Unix socket (for nginx on the same host), made group-writable once
/// listening (mode 0660) so a proxy in the service's group can connect; a stale socket file left
/// by a killed server is replaced, a live one is an error;</item>
/// <item><c>--host</c>:<c>--port</c>.</item>
/// </list>
/// HTTPS (--ssl-certfile) applies to each.
/// </summary>
internal static class Listeners
{
    const uint SocketFileType = 0xC000; // S_IFSOCK

    /// <summary>How many sockets systemd passed to this very process (0: none, or meant for another process).</summary>
    public static int PassedBySystemd(Func<string, string?> env) =>
        int.TryParse(env("LISTEN_PID"), out var pid) && pid == Environment.ProcessId
        && int.TryParse(env("LISTEN_FDS"), out var count) && count > 0 ? count : 0;

    public static void UseRobynListeners(this IWebHostBuilder web, GatewayOptions options, Serilog.ILogger log)
    {
        var https = options.SslCertFile is not null;
        // For the sockets Kestrel opens: a socket systemd passed is listening already, with the unit's Backlog=.
        web.UseRobynBacklog(options);
        var passed = PassedBySystemd(Environment.GetEnvironmentVariable);
        if (passed > 0)
        {
            log.Information("Serving on {Count} socket(s) passed by systemd (LISTEN_FDS); --host and --port do not apply", passed);
            web.ConfigureKestrel(k =>
            {
                k.UseSystemd(listen =>
                {
                    if (https) listen.UseHttps();
                });
                Observability.MetricsSetup.ListenForScrapes(k, options);
            });
            return;
        }
        if (options.UnixSocket is { } path)
        {
            ClearStale(path);
            web.ConfigureKestrel(k =>
            {
                k.ListenUnixSocket(path, listen =>
                {
                    if (https) listen.UseHttps();
                });
                Observability.MetricsSetup.ListenForScrapes(k, options);
            });
            return;
        }
        web.UseUrls(Observability.MetricsSetup.Urls(options, GatewayHost.PublicUrl(options)));
    }

    /// <summary>Once listening: the Unix socket's mode (the owner's group may connect), and a line saying where.</summary>
    public static void AnnounceUnixSocket(this IHost host, GatewayOptions options, Serilog.ILogger log)
    {
        if (options.UnixSocket is not { } path || PassedBySystemd(Environment.GetEnvironmentVariable) > 0) return;
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            log.Information("Listening on the Unix socket {Path} (mode 0660)", path);
        });
    }

    internal static void ClearStale(string path)
    {
        if (Workers.Posix.LStat(path) is not { } stat) return;
        if ((stat.Mode & Workers.Posix.TypeMask) != SocketFileType)
            throw new UsageException($"--uds {path}: a file that is not a socket is there; remove it or pick another path.");
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path); // nobody listens: left by a server that was killed
            return;
        }
        throw new UsageException($"--uds {path}: another server is listening on that socket; stop it, or pick another path.");
    }
}
