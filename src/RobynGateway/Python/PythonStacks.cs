using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RobynGateway.Python;

/// <summary>
/// Every Python thread's stack, read without the GIL, for the watchdog's log: the thread that froze
/// Python is stuck in C and the others wait for the GIL, so their frames hold still.
///
/// Design notes:
/// <list type="bullet">
/// <item>CPython has one function that does this, _Py_DumpTracebackThreads (faulthandler's). 3.11
///   and 3.12 export it, and we call it. 3.13 stopped exporting private functions, so there we
///   reach it as a user does: <c>faulthandler.register</c> installs a handler for a signal that
///   dumps every thread to a file descriptor, and the watchdog sends that signal to its own thread
///   (tgkill), which runs the handler before the call returns.</item>
/// <item>The signal is SIGRTMAX-1: .NET uses SIGRTMIN, CPython none of the real-time ones.</item>
/// <item>One memfd per process, emptied before each dump: faulthandler keeps the descriptor it was
///   given, so it must stay open for the life of the interpreter (which is the process's).</item>
/// </list>
/// </summary>
internal static partial class PythonStacks
{
    static readonly object Gate = new();
    static int _fd = -1;
    static int _signal; // 0: call _Py_DumpTracebackThreads directly

    /// <summary>Once per process, before a watchdog may ask for stacks. Failures leave stacks out of the log.</summary>
    public static void Prepare(GilHeld gil)
    {
        lock (Gate)
        {
            if (_fd >= 0) return;
            var fd = memfd_create("robyn-stacks", MfdCloExec);
            if (fd < 0) return;
            unsafe
            {
                if (CApi.DumpTracebackThreads != null)
                {
                    _fd = fd;
                    return;
                }
            }
            try
            {
                using var faulthandler = PyHandle.Import("faulthandler", gil);
                using var signal = PyHandle.Import("signal", gil);
                using var max = signal.GetAttr("SIGRTMAX", gil);
                var signum = max.Int(gil) - 1;
                // register(signum, file, all_threads, chain)
                faulthandler.CallMethod("register", gil, signum, fd, true, false).Dispose();
                _signal = signum;
                _fd = fd;
            }
            catch (PythonError)
            {
                close(fd);
            }
        }
    }

    /// <summary>The dump as faulthandler writes it (threads separated by blank lines), or "" when unavailable.</summary>
    public static unsafe string Read()
    {
        lock (Gate)
        {
            if (_fd < 0) return "";
            using var file = new SafeFileHandle(_fd, ownsHandle: false);
            if (ftruncate(_fd, 0) != 0 || lseek(_fd, 0, SeekSet) != 0) return "";
            if (_signal == 0)
            {
                var error = CApi.DumpTracebackThreads(_fd, CApi.PyInterpreterState_Main(), 0);
                if (error != null) return $"(no stacks: {Marshal.PtrToStringUTF8((nint)error)})";
            }
            else if (tgkill(Environment.ProcessId, gettid(), _signal) != 0) return "";
            var bytes = new byte[Math.Min(RandomAccess.GetLength(file), 1 << 20)];
            var read = RandomAccess.Read(file, bytes, 0);
            return System.Text.Encoding.UTF8.GetString(bytes, 0, read);
        }
    }

    const uint MfdCloExec = 1;
    const int SeekSet = 0;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tgkill(int tgid, int tid, int sig);
}
