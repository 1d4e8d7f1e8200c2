using System.Collections.Concurrent;

namespace RobynGateway.Python;

/// <summary>
/// The threads that pull the items of sync streaming answers (a sync generator given to
/// StreamingResponse or SSEResponse), apart from the <c>--workers</c> threads: a generator that
/// sleeps between items then holds neither a sync worker nor another stream, as Starlette's
/// iterate-in-threadpool does. Never .NET thread-pool threads: a pull may block for as long as
/// the generator likes.
///
/// Design notes:
/// * Grows on demand, one dedicated background thread (with its own permanent Python thread state)
///   at a time, up to <see cref="MaxThreads"/> (anyio's default limit); a thread idle for
///   <see cref="IdleExit"/> ends. When all are busy, further pulls wait in arrival order for the
///   first thread that frees up, and a warning says so once.
/// * A pull takes the GIL for the call into Python only, then completes the stream's await inline
///   on this thread: that continuation writes the item and asks for the next one, which
///   <see cref="Enqueue"/> keeps for this same thread (<c>t_next</c>). A fast stream thus runs on
///   one thread with no hand-off per item, as it did on a sync worker.
/// * Producers claim an idle thread by decrementing <c>_idle</c> before releasing the semaphore, so
///   two quick pulls never both count on the same sleeper: the second starts a thread instead.
/// </summary>
internal sealed class StreamPullPool : IDisposable
{
    public const int MaxThreads = 40;
    static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(10);

    [ThreadStatic] static StreamPullPool? t_pool; // the pool whose thread this is
    [ThreadStatic] static bool t_inline;          // running a completed pull's continuation
    [ThreadStatic] static PythonCall? t_next;     // the pull that continuation asked for

    readonly PythonApp _app;
    readonly ConcurrentQueue<PythonCall> _queue = new();
    readonly SemaphoreSlim _wake = new(0);
    int _threads; // alive
    int _idle;    // waiting for work and not claimed by a producer
    int _warned;
    volatile bool _stopping;

    public StreamPullPool(PythonApp app) => _app = app;

    public void Enqueue(PythonCall call)
    {
        if (t_inline && t_pool == this && t_next is null)
        {
            t_next = call; // this thread is about to be free: it runs the pull next
            return;
        }
        _queue.Enqueue(call);
        if (ClaimIdle()) return;
        while (true)
        {
            var alive = Volatile.Read(ref _threads);
            if (alive >= MaxThreads)
            {
                // The pull stays queued; a busy thread takes it when its own pull ends.
                if (Interlocked.Exchange(ref _warned, 1) == 0)
                    Serilog.Log.Warning("All {Max} stream threads are pulling items of sync streaming answers: " +
                        "further items wait for one to finish. An async generator does not hold a thread.", MaxThreads);
                return;
            }
            if (Interlocked.CompareExchange(ref _threads, alive + 1, alive) == alive) break;
        }
        new Thread(Run) { IsBackground = true, Name = "robyn-stream" }.Start();
    }

    /// <summary>
    /// Gets the references released since (see PythonApp.ReleaseSoon) dropped now: true when this
    /// thread is one of ours (it drops them before it sleeps) or an idle one was woken to.
    /// </summary>
    public bool Poke() => t_pool == this || ClaimIdle();

    bool ClaimIdle()
    {
        // A full fence between the caller's queueing and the read of _idle, pairing with the idle
        // thread's increment and re-check in Run (see SyncWorkerPool.WakeOneIfAsleep for why).
        Interlocked.MemoryBarrier();
        while (true)
        {
            var idle = Volatile.Read(ref _idle);
            if (idle == 0) return false;
            if (Interlocked.CompareExchange(ref _idle, idle - 1, idle) != idle) continue;
            _wake.Release();
            return true;
        }
    }

    /// <summary>Leaves the idle count; false when a producer claimed this thread first (a permit is then on its way).</summary>
    bool Unclaim()
    {
        while (true)
        {
            var idle = Volatile.Read(ref _idle);
            if (idle == 0) return false;
            if (Interlocked.CompareExchange(ref _idle, idle - 1, idle) == idle) return true;
        }
    }

    unsafe void Run()
    {
        t_pool = this;
        var state = CApi.PyThreadState_New(CApi.PyInterpreterState_Main());
        var completed = new List<PythonCall>(1);
        while (true)
        {
            if (_queue.TryDequeue(out var call))
            {
                do call = Pull(call, state, completed);
                while (call is not null);
                continue;
            }
            if (_app.HasReleases)
            {
                var idle = Gil.Restore(state);
                _app.ReleaseFinished(idle);
                Gil.Save(idle);
                continue;
            }
            if (_stopping) break;
            Interlocked.Increment(ref _idle);
            // Re-check after counting ourselves idle: a pull queued just before could have found no sleeper.
            if (!_queue.IsEmpty || _app.HasReleases || _stopping)
            {
                if (!Unclaim()) _wake.Wait();
                continue;
            }
            if (_wake.Wait(IdleExit)) continue;
            if (!Unclaim())
            {
                _wake.Wait(); // claimed just as the wait ran out
                continue;
            }
            // Idle long enough: end. A pull queued before this check may have counted on us as alive
            // (all threads busy, none started), so stay for it; one queued after it starts a thread.
            Interlocked.Decrement(ref _threads);
            if (_queue.IsEmpty) break;
            Interlocked.Increment(ref _threads);
        }
        Gil.Restore(state);
        CApi.PyThreadState_Clear(state);
        CApi.PyThreadState_DeleteCurrent();
        t_pool = null;
    }

    /// <summary>Pulls one item, then runs the stream's continuation here; returns the pull it asked for next, if any.</summary>
    unsafe PythonCall? Pull(PythonCall call, nint state, List<PythonCall> completed)
    {
        var gil = Gil.Restore(state);
        PythonCall.BeginDeferring(completed);
        try
        {
            _app.ExecuteSync(call, gil);
            _app.ReleaseFinished(gil);
        }
        finally
        {
            Gil.Save(gil);
            t_inline = true;
            try
            {
                PythonCall.EndDeferring(completed);
            }
            finally
            {
                t_inline = false;
            }
        }
        var next = t_next;
        t_next = null;
        return next;
    }

    /// <summary>Stops idle threads; a thread inside a pull ends after it (they are background threads).</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Release(MaxThreads);
        _idle = 0;
    }
}
