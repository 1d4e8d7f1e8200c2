namespace RobynGateway.Python;

/// <summary>
/// The <c>--workers M</c> threads that run sync handlers. Each is a dedicated background thread
/// with a permanent Python thread state: it sleeps without the GIL, and when work arrives takes the
/// GIL once and drains the queue in a batch. Each answer leaves before the next handler of the
/// batch starts (a request never waits for someone else's handler); only the last one's write
/// runs on the worker itself, after it released the GIL. A handler that blocks (time.sleep, a blocking socket)
/// releases the GIL inside Python, so the other workers, and the event loop, keep going; it never
/// blocks a .NET thread-pool thread.
/// </summary>
internal sealed class SyncWorkerPool : IDisposable
{
    readonly PythonApp _app;
    readonly Thread[] _threads;
    readonly TripSlot[] _trips;
    readonly System.Collections.Concurrent.ConcurrentQueue<PythonCall> _queue = new();
    readonly SemaphoreSlim _wake = new(0);
    int _sleepers;
    int _waiting; // queued, not yet taken by a worker (the sync side of --max-queue)
    volatile bool _stopping;

    public SyncWorkerPool(PythonApp app, int workers)
    {
        _app = app;
        _threads = new Thread[workers];
        _trips = new TripSlot[workers];
        for (var i = 0; i < workers; i++)
        {
            var trip = _trips[i] = new TripSlot($"sync worker {i}");
            _threads[i] = new Thread(() => Run(trip)) { IsBackground = true, Name = $"robyn-sync-{i}" };
            _threads[i].Start();
        }
    }

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// No worker runs a call and none is queued: nothing here wants the GIL right now. (A worker
    /// woken only to drop released references still counts as asleep until it takes the GIL for
    /// them; the loop that let the GIL go then waits those few microseconds to have it back.)
    /// </summary>
    public bool Idle => Volatile.Read(ref _sleepers) == _threads.Length && Volatile.Read(ref _waiting) == 0;

    /// <summary>What each worker runs now, for the watchdog.</summary>
    public IReadOnlyList<TripSlot> Trips => _trips;

    public void Enqueue(PythonCall call)
    {
        Interlocked.Increment(ref _waiting);
        _queue.Enqueue(call);
        WakeOneIfAsleep();
    }

    /// <summary>Wakes a sleeping worker so it drops the references released since (see PythonApp.ReleaseSoon).</summary>
    public void Poke() => WakeOneIfAsleep();

    /// <summary>
    /// After this thread queued work (a call, or references to drop): wakes a worker if one sleeps.
    /// Pairs with the sleeper's re-check in Run: either it sees the work, or this sees it asleep.
    /// That takes a full fence between the queueing and the read of _sleepers: the queue publishes
    /// an item with a plain (release) store, which x64 may hold in its store buffer past the load
    /// that follows, so both sides could miss each other and the call wait for the next request or
    /// release to wake the worker. (A ping that waited 727 ms behind a stream's next item looked
    /// like that; such a wait was seen once more after the fence, so it is not the whole story:
    /// SlowWorkTests prints the server's own timing when it happens.)
    /// </summary>
    void WakeOneIfAsleep()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleepers) > 0) _wake.Release();
    }

    unsafe void Run(TripSlot trip)
    {
        var state = CApi.PyThreadState_New(CApi.PyInterpreterState_Main());
        var completed = new List<PythonCall>();
        while (true)
        {
            if (!TryTake(out var call))
            {
                if (_app.HasReleases)
                {
                    var idle = Gil.Restore(state);
                    _app.ReleaseFinished(idle);
                    Gil.Save(idle);
                    continue;
                }
                Interlocked.Increment(ref _sleepers);
                // Re-check after counting ourselves asleep: work queued just before found no sleeper.
                if (_queue.IsEmpty && !_app.HasReleases && !_stopping) _wake.Wait();
                Interlocked.Decrement(ref _sleepers);
                if (_stopping && _queue.IsEmpty) break;
                continue;
            }
            var gil = Gil.Restore(state);
            PythonCall.BeginDeferring(completed);
            try
            {
                while (true)
                {
                    trip.Begin(call);
                    _app.ExecuteSync(call, gil);
                    if (!TryTake(out call)) break;
                    // The next handler may be slow: the answers made so far must not wait for it.
                    // They go to the thread pool now; only the batch's last is written here, inline.
                    PythonCall.CompleteDeferred(completed);
                }
                _app.ReleaseFinished(gil);
            }
            finally
            {
                trip.End();
                Gil.Save(gil);
                PythonCall.EndDeferring(completed);
            }
        }
        Gil.Restore(state);
        CApi.PyThreadState_Clear(state);
        CApi.PyThreadState_DeleteCurrent();
    }

    bool TryTake(out PythonCall call)
    {
        if (!_queue.TryDequeue(out call!)) return false;
        Interlocked.Decrement(ref _waiting);
        return true;
    }

    /// <summary>Stops the threads after the queue is empty (the server has drained by then).</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Release(_threads.Length);
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(5));
    }
}
