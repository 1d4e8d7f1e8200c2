using System.Globalization;
using System.Net.Sockets;

namespace RobynGateway.Workers;

/// <summary>
/// The folder of the front's Unix sockets (one per worker, the websocket relay) and of its key.
/// Whoever can open it can talk to the workers, so it is made to be the front's alone:
/// <list type="number">
/// <item>a name no one can guess (<c>robyn-gateway-&lt;pid&gt;-&lt;64 random bits&gt;</c>) in the temp dir;</item>
/// <item>created by an exclusive mkdir: a name that exists (a folder or symlink another user
///   planted) is never adopted, a new name is drawn instead;</item>
/// <item>checked after creation: a directory, not a symlink, owned by our user, mode 0700;</item>
/// <item>deleted at exit; a front that was SIGKILLed leaves its folder behind, and the next start
///   deletes those of ours whose front is gone (never another user's, never a live front's).</item>
/// </list>
/// </summary>
internal sealed class SocketFolder : IDisposable
{
    public const string Prefix = "robyn-gateway-";
    const uint OwnerOnly = 0x1C0; // 0700

    SocketFolder(string path) => Path = path;

    public string Path { get; }

    public static SocketFolder Create(Serilog.ILogger log) => Create(System.IO.Path.GetTempPath(), log);

    internal static SocketFolder Create(string root, Serilog.ILogger log)
    {
        RemoveStale(root, log);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var path = System.IO.Path.Combine(root,
                $"{Prefix}{Environment.ProcessId}-{Convert.ToHexStringLower(Posix.RandomBytes(8))}");
            if (!Posix.MakeDirectory(path, OwnerOnly)) continue; // taken (by chance, or planted): draw again
            Posix.ChangeMode(path, OwnerOnly); // whatever the umask took away
            var problem = Problem(path);
            if (problem is not null) throw new IOException($"The socket folder {path} {problem}; refusing to use it.");
            return new SocketFolder(path);
        }
        throw new IOException($"Could not create a socket folder in {root}.");
    }

    /// <summary>Why the path is not a folder only we can open, or null when it is.</summary>
    internal static string? Problem(string path) => Posix.LStat(path) switch
    {
        null => "does not exist",
        var (_, mode) when (mode & Posix.TypeMask) != Posix.Directory => "is not a directory (a symlink?)",
        var (uid, _) when uid != Posix.EffectiveUserId => $"belongs to user {uid}, not to us ({Posix.EffectiveUserId})",
        var (_, mode) when (mode & 0x1FF) != OwnerOnly => $"has mode {Convert.ToString(mode & 0x1FF, 8)}, not 700",
        _ => null,
    };

    /// <summary>Deletes the folders our user's fronts left behind when they were killed.</summary>
    static void RemoveStale(string root, Serilog.ILogger log)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories(root, Prefix + "*").ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var path in entries)
        {
            if (FrontPid(System.IO.Path.GetFileName(path)) is not { } pid || pid == Environment.ProcessId) continue;
            // Ours (not a symlink, our user) and its front is gone. A pid that lives may be the front in
            // another pid namespace sharing this temp dir: its relay still answering keeps the folder too.
            if (Posix.LStat(path) is not var (uid, mode) || uid != Posix.EffectiveUserId
                || (mode & Posix.TypeMask) != Posix.Directory) continue;
            if (Posix.IsAlive(pid) || RelayAnswers(path)) continue;
            try
            {
                Directory.Delete(path, recursive: true);
                log.Information("Removed {Folder}, left behind by a front process (pid {Pid}) that no longer runs", path, pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.Warning("Could not remove the stale socket folder {Folder}: {Reason}", path, ex.Message);
            }
        }
    }

    /// <summary>The front's pid in <c>robyn-gateway-&lt;pid&gt;</c> (the old name) or <c>robyn-gateway-&lt;pid&gt;-&lt;random&gt;</c>.</summary>
    internal static int? FrontPid(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var rest = name.AsSpan(Prefix.Length);
        var dash = rest.IndexOf('-');
        var digits = dash < 0 ? rest : rest[..dash];
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    static bool RelayAnswers(string folder)
    {
        var relay = System.IO.Path.Combine(folder, "relay.sock");
        if (!File.Exists(relay)) return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(relay));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>At exit (and when the host is disposed after a failed start).</summary>
    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next start, which removes it once this process is gone.
        }
    }
}
