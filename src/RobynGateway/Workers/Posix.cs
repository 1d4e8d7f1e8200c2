using System.Runtime.InteropServices;

namespace RobynGateway.Workers;

/// <summary>
/// The few libc calls the socket folder needs and .NET does not offer: an exclusive mkdir (fails
/// when anything, a symlink included, already has the name), the owner of a path without following
/// a symlink (statx, whose layout is the same on every Linux architecture), whether a pid lives, and
/// a listening socket the workers inherit.
/// </summary>
internal static partial class Posix
{
    const int AtFdCwd = -100;
    const int AtSymlinkNoFollow = 0x100;
    const uint StatxBasicStats = 0x7ff;
    const int ESRCH = 3;

    public const uint TypeMask = 0xF000; // S_IFMT
    public const uint Directory = 0x4000; // S_IFDIR

    /// <summary>The owner and the mode (type and permission bits) of the path itself, never a symlink's target; null if it does not exist.</summary>
    public static (uint Uid, uint Mode)? LStat(string path)
    {
        Span<byte> buffer = stackalloc byte[256]; // struct statx
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0) return null;
        // stx_uid at offset 20, stx_mode (16 bits) at 28: linux/stat.h.
        return (BitConverter.ToUInt32(buffer[20..24]), BitConverter.ToUInt16(buffer[28..30]));
    }

    /// <summary>Creates the directory with exactly <paramref name="mode"/> (umask aside); false if the name is taken.</summary>
    public static bool MakeDirectory(string path, uint mode)
    {
        if (mkdir(path, mode) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == 17) return false; // EEXIST
        throw new IOException($"Cannot create {path}: {Marshal.GetPInvokeErrorMessage(errno)}.");
    }

    public static void ChangeMode(string path, uint mode)
    {
        if (chmod(path, mode) != 0)
            throw new IOException($"Cannot set the mode of {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
    }

    public static uint EffectiveUserId => geteuid();

    /// <summary>
    /// <paramref name="count"/> bytes from the kernel's CSPRNG (getrandom(2)), as RandomNumberGenerator
    /// would give them, without loading OpenSSL (about 5 MB mapped) into the front, which needs no other crypto.
    /// </summary>
    public static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        for (var done = 0; done < count;)
        {
            var n = getrandom(ref bytes[done], (nuint)(count - done), 0);
            if (n > 0) done += (int)n;
            else if (Marshal.GetLastPInvokeError() != 4) // EINTR: again
                throw new IOException($"getrandom: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        }
        return bytes;
    }

    /// <summary>False only when no process has the pid (another user's process counts as alive).</summary>
    public static bool IsAlive(int pid) => kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() != ESRCH;

    /// <summary>
    /// Clears FD_CLOEXEC, so the processes this one starts inherit the descriptor (--balance kernel's
    /// listening socket). .NET opens every descriptor close-on-exec and has no call for this.
    /// </summary>
    public static void KeepAcrossExec(int fd)
    {
        if (fcntl(fd, FSetFd, 0) != 0)
            throw new IOException($"Cannot pass descriptor {fd} to the workers: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
    }

    /// <summary>SO_REUSEADDR alone: .NET's ReuseAddress option also sets SO_REUSEPORT on Linux, which would let a second server share the port.</summary>
    public static void ReuseAddress(int fd)
    {
        var on = 1;
        if (setsockopt(fd, SolSocket, SoReuseAddr, ref on, sizeof(int)) != 0)
            throw new IOException($"Cannot set SO_REUSEADDR: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
    }

    /// <summary>SO_REUSEPORT: the sockets of --balance kernel's group share the port, the kernel hashing connections over them.</summary>
    public static void ReusePort(int fd)
    {
        var on = 1;
        if (setsockopt(fd, SolSocket, SoReusePort, ref on, sizeof(int)) != 0)
            throw new IOException($"Cannot set SO_REUSEPORT: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
    }

    const int FSetFd = 2, SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15;

    // fcntl is variadic; its third argument is an int here, which the x86-64 and arm64 ABIs pass as a fixed one.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdir(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chmod(string path, uint mode);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getrandom(ref byte buffer, nuint count, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
