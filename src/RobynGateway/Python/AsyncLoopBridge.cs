using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace RobynGateway.Python;

/// <summary>
/// Hands async calls to the app's asyncio loop thread without taking the GIL on the caller's side.
/// Producers enqueue and, only when no drain is already pending, write the loop's wake-up file: a
/// burst of requests costs one syscall and one loop wake-up. The loop watches it with add_reader
/// and calls our <c>drain()</c> builtin, which runs on the loop thread holding the GIL and starts
/// every queued call there, so all asyncio work stays on the loop's own thread.
/// <para>
/// The wake-up file is an eventfd on Linux (one descriptor, an 8-byte counter). Elsewhere (macOS),
/// when eventfd fails, or with <c>ROBYN_FORCE_PORTABLE_WAKEUP=1</c> (the tests' way to run the
/// fallback on Linux), it is a self-pipe from Python's <c>os.pipe()</c>, both ends non-blocking and
/// close-on-exec: a wake writes one byte to one end, a drain reads the other. Both take the same
/// path here (a descriptor and a size each way, no branch): the pending flag lets at most one
/// wake-up be unread at a time, so one read always empties either.
/// </para>
/// </summary>
internal sealed unsafe partial class AsyncLoopBridge : IDisposable
{
    const int EfdNonBlock = 0x800, EfdCloExec = 0x80000;
    public const string ForcePortableEnv = "ROBYN_FORCE_PORTABLE_WAKEUP";

    readonly PythonApp _app;
    readonly ConcurrentQueue<PythonCall> _queue = new();
    readonly ConcurrentQueue<PythonCall> _cancels = new(); // calls whose request timed out: cancel their tasks
    GCHandle _self; // not readonly: Free() must clear this field, not a defensive copy
    int _scheduled;
    int _disposed;
    long _drains; // written by the loop thread only; the watchdog reads it as the loop's heartbeat

    /// <summary>What the loop watches: the eventfd, or the pipe's read end.</summary>
    public int ReadFd { get; }
    readonly int _writeFd;   // the eventfd again, or the pipe's write end
    readonly nint _wakeSize; // 8: eventfd's counter; 1: a byte in the pipe

    /// <summary>"eventfd" or "pipe": which wake-up this bridge uses.</summary>
    public string Wakeup => _writeFd == ReadFd ? "eventfd" : "pipe";

    /// <summary>The loop's reader callback (owned by this bridge, which lives as long as the process may call it).</summary>
    public NewRef DrainFunction { get; }

    public AsyncLoopBridge(PythonApp app, GilHeld gil)
    {
        _app = app;
        var fd = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(ForcePortableEnv) != "1"
            ? eventfd(0, EfdNonBlock | EfdCloExec) : -1;
        if (fd >= 0)
        {
            ReadFd = _writeFd = fd;
            _wakeSize = sizeof(ulong);
        }
        else
        {
            (ReadFd, _writeFd) = SelfPipe(gil);
            _wakeSize = 1;
        }
        _self = GCHandle.Alloc(this);
        DrainFunction = NativeCallbacks.NewDrain(_self, gil);
    }

    /// <summary>Python's os.pipe() (close-on-exec, as every descriptor Python makes), both ends set non-blocking.</summary>
    static (int Read, int Write) SelfPipe(GilHeld gil)
    {
        using var os = PyHandle.Import("os", gil);
        using var ends = os.CallMethod("pipe", gil);
        var (readEnd, writeEnd) = (ends.IntAt(0, gil), ends.IntAt(1, gil));
        os.CallMethod("set_blocking", gil, readEnd, false).Dispose();
        os.CallMethod("set_blocking", gil, writeEnd, false).Dispose();
        return (readEnd, writeEnd);
    }

    public void Enqueue(PythonCall call)
    {
        _queue.Enqueue(call);
        Wake();
    }

    /// <summary>Any thread: the call's request timed out; the loop cancels its task at its next drain.</summary>
    public void Cancel(PythonCall call)
    {
        _cancels.Enqueue(call);
        Wake();
    }

    /// <summary>Asks the loop for a drain unless one is pending (the watchdog's heartbeat uses it too).</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ulong one = 1; // little-endian: its first byte is the pipe's one byte
            write(_writeFd, &one, _wakeSize);
        }
    }

    /// <summary>A drain was asked for and has not started yet.</summary>
    public bool WakePending => Volatile.Read(ref _scheduled) == 1;

    /// <summary>How many drains have started: it stands still while the loop does not turn.</summary>
    public long Drains => Volatile.Read(ref _drains);

    /// <summary>On the loop thread, from the drain() builtin.</summary>
    public void Drain(GilHeld gil)
    {
        ulong count;
        read(ReadFd, &count, sizeof(ulong)); // the counter, or the (at most one) byte in the pipe
        // Re-arm before draining: a producer that enqueues after this point signals again.
        Interlocked.Exchange(ref _scheduled, 0);
        Volatile.Write(ref _drains, _drains + 1);
        while (_queue.TryDequeue(out var call)) _app.DispatchAsync(call, gil);
        // After the dispatches: a call queued and timed out in this same wake-up was skipped there.
        while (_cancels.TryDequeue(out var call)) _app.CancelTask(call, gil);
        _app.ReleaseFinished(gil);
    }

    /// <summary>Answers calls that can no longer reach the loop (it stopped or died).</summary>
    public void FailPending()
    {
        while (_queue.TryDequeue(out var call))
            call.CompleteWith(503, "Service unavailable", ResultKind.Error, "the event loop stopped before this request ran");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        FailPending();
        close(ReadFd);
        if (_writeFd != ReadFd) close(_writeFd);
        _self.Free();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buf, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
