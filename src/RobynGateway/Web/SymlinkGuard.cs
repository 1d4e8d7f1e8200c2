using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace RobynGateway.Web;

/// <summary>
/// Says whether a path under a mount's root still lands under that root once its symlinks are
/// followed. PhysicalFileProvider checks paths lexically only (no "..", nothing absolute), and
/// the OS follows links, so a link in a served folder could publish /etc.
/// </summary>
/// <remarks>
/// It runs for every file a mount serves, and a syscall costs about 3 µs on our 2-core VM, so
/// the common case asks little: the path is encoded once into a stack buffer, and each folder
/// between the root and the file is asked <c>readlink</c>, which fails with EINVAL on anything
/// but a link. Whether the file itself is a link the caller already knows from the stat that
/// found it. A folder found free of links is remembered for a second, so files in a busy
/// folder cost no syscall here at all. Only when a link is on the way is the whole path resolved
/// with <c>realpath</c> and compared with the root's own real path. A link that stays inside the
/// mount (say <c>latest.css -> v2.css</c>) is still served, from where it leads.
/// Checking and opening are two steps, and a folder swapped for a link is noticed within that
/// second: whoever can do that in the served folder can already change what is served.
/// </remarks>
internal sealed unsafe partial class SymlinkGuard
{
    const int PathMax = 4096;
    const int StackPathBytes = 512;
    const long FreshMilliseconds = 1000;
    const int MaxRemembered = 4096;

    readonly string _root;
    readonly int _rootBytes;
    readonly byte[] _realRoot;
    // Folders below the root with no link on the way from the root, and when that was seen.
    readonly ConcurrentDictionary<string, long> _plainFolders = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _plainFolderLookup;

    /// <param name="root">the mount's root, absolute, ending with '/'</param>
    public SymlinkGuard(string root)
    {
        _root = root;
        _rootBytes = Encoding.UTF8.GetByteCount(root);
        _realRoot = RealPath(root) ?? throw new DirectoryNotFoundException(root);
        _plainFolderLookup = _plainFolders.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// For a path found by a stat: <paramref name="isLink"/> says whether its last name is a link.
    /// When a link was followed, <paramref name="target"/> is the real path it leads to.
    /// </summary>
    public bool StaysInside(string path, bool isLink, out string? target)
    {
        var folder = path.AsSpan(0, Math.Max(path.LastIndexOf('/'), 0));
        var nested = folder.Length >= _root.Length; // not directly in the root
        if (!isLink && nested && _plainFolderLookup.TryGetValue(folder, out var seen)
            && Environment.TickCount64 - seen < FreshMilliseconds)
        {
            target = null;
            return path.StartsWith(_root, StringComparison.Ordinal);
        }
        var inside = Check(path, askLast: false, isLink, out target);
        if (inside && target is null && nested && _plainFolders.Count < MaxRemembered)
            _plainFolderLookup[folder] = Environment.TickCount64;
        return inside;
    }

    /// <summary>As above, for a path whose last name was not looked at (a directory to list).</summary>
    public bool StaysInside(string path, out string? target) => Check(path, askLast: true, lastIsLink: false, out target);

    bool Check(string path, bool askLast, bool lastIsLink, out string? target)
    {
        target = null;
        if (!path.StartsWith(_root, StringComparison.Ordinal)) return false;
        var length = Encoding.UTF8.GetByteCount(path);
        if (length >= PathMax) return false; // longer than the kernel resolves
        Span<byte> buffer = length < StackPathBytes ? stackalloc byte[StackPathBytes] : stackalloc byte[PathMax];
        Encoding.UTF8.GetBytes(path, buffer);
        buffer[length] = 0;
        var last = buffer[..length].TrimEnd((byte)'/').Length; // where the last name ends
        fixed (byte* p = buffer)
        {
            byte ignored;
            // Each prefix that ends a name below the root, cut short in place with a NUL.
            for (var i = _rootBytes; i <= last; i++)
            {
                if (i < last && p[i] != (byte)'/') continue;
                if (p[i - 1] == (byte)'/') continue; // empty name, or the root itself
                bool isLink;
                if (i == last && !askLast)
                {
                    isLink = lastIsLink;
                }
                else
                {
                    var saved = p[i];
                    p[i] = 0;
                    isLink = readlink(p, &ignored, 1) >= 0;
                    p[i] = saved;
                }
                if (isLink) return ResolvesUnderRoot(p, out target);
            }
        }
        return true;
    }

    bool ResolvesUnderRoot(byte* path, out string? target)
    {
        target = null;
        var resolved = stackalloc byte[PathMax];
        if (realpath(path, resolved) is null) return false; // dangling link, loop, no permission
        var real = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(resolved);
        var root = _realRoot.AsSpan();
        if (!real.StartsWith(root) || !(real.Length == root.Length || real[root.Length] == (byte)'/' || root is [(byte)'/']))
            return false;
        target = Encoding.UTF8.GetString(real);
        return true;
    }

    /// <summary>The canonical path in UTF-8 without a trailing '/' (except for "/"); null if it cannot be resolved.</summary>
    static byte[]? RealPath(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        var resolved = stackalloc byte[PathMax];
        fixed (byte* p = bytes)
        {
            if (realpath(p, resolved) is null) return null;
        }
        return MemoryMarshal.CreateReadOnlySpanFromNullTerminated(resolved).ToArray();
    }

    [LibraryImport("libc")]
    private static partial nint readlink(byte* path, byte* buffer, nuint size);

    [LibraryImport("libc")]
    private static partial byte* realpath(byte* path, byte* resolved);
}
