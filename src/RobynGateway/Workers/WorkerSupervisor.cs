namespace RobynGateway.Workers;

/// <summary>
/// Runs the front's workers for the life of the server (design: each worker is a whole gateway
/// with its own interpreter, on its own Unix socket; the front only proxies).
///
/// Start: all N workers are started at once; the front opens its port when every one is ready
/// (its startup handler done), and fails the start if one exits first. Running: a worker that
/// exits is taken out of the pool at once, logged, and started again: at once if it had been serving
/// for a second (the app starts fine; a request or the app's own code ended it, and a poison
/// request sent every few seconds must not keep the service down), else after a backoff (0.5 s
/// doubling to 10 s, for an app that crashes while starting; back to 0.5 s once a worker of the
/// slot has served). A request that was running in a worker that died is not replayed, and a
/// request that finds no worker waits for one (ForwardToWorker). With <c>--max-requests K</c> a worker
/// that has served K requests is replaced: the replacement starts, becomes ready and takes the
/// traffic, then the old one is stopped and drains. Stop: the workers leave the pool, get SIGTERM
/// (each drains, closes its websockets with 1001 and runs its shutdown handler), and are waited
/// for, bounded by the graceful timeout; the front's own Kestrel stops after that. A worker whose
/// Python hangs, or that stops answering, is routed around and replaced (WorkerSupervisor.Health.cs).
/// </summary>
internal sealed partial class WorkerSupervisor : IHostedLifecycleService
{
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    // A worker that has been serving this long proved that the app starts: its death is not a start loop.
    static readonly TimeSpan ServedFor = TimeSpan.FromSeconds(1);
    static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    readonly WorkerLaunch _launch;
    readonly WorkerPool _pool;
    readonly int _count;
    readonly long _maxRequests;
    readonly TimeSpan _graceful;
    readonly SocketFolder _folder;
    readonly object _gate = new();
    readonly WorkerProcess?[] _slots;
    readonly WorkerProcess?[] _previous; // each slot's last replaced worker, to name it in late log lines
    readonly HashSet<WorkerProcess> _ready = [];
    readonly HashSet<WorkerProcess> _silent = []; // ready, but not answering its health checks: out of the pool
    readonly HashSet<int> _recycling = [];
    readonly TimeSpan[] _backoff;
    readonly CancellationTokenSource _stopping = new();
    readonly TimeSpan _hangTimeout;
    readonly WorkerHealthProbe _probe;
    TaskCompletionSource _anyReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _generation;

    public WorkerSupervisor(WorkerLaunch launch, WorkerPool pool, int count, long maxRequests,
        TimeSpan graceful, SocketFolder folder, ILogger<WorkerSupervisor> log, TimeSpan hangTimeout = default)
    {
        _hangTimeout = hangTimeout;
        _probe = new WorkerHealthProbe(folder.Path, launch.HealthPath);
        _launch = launch;
        _pool = pool;
        _count = count;
        _maxRequests = maxRequests;
        _graceful = graceful;
        _folder = folder;
        Log = log;
        _slots = new WorkerProcess?[count];
        _previous = new WorkerProcess?[count];
        _backoff = Enumerable.Repeat(FirstBackoff, count).ToArray();
    }

    /// <summary>--balance kernel: the workers accept the public's connections themselves; the pool routes nothing.</summary>
    public bool KernelBalance { get; init; }

    public string SocketDirectory => _folder.Path;
    public ILogger Log { get; }

    /// <summary>The workers serving now, those that do not answer their health checks left out (for health and the tests).</summary>
    public IReadOnlyList<WorkerProcess> Ready
    {
        get { lock (_gate) return _ready.Except(_silent).ToList(); }
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var first = Enumerable.Range(0, _count).Select(Spawn).ToArray();
        bool[] ready;
        try
        {
            ready = await Task.WhenAll(first.Select(w => w.WaitReadyAsync(ReadyTimeout, cancellationToken)));
        }
        catch (OperationCanceledException)
        {
            // Stopped (SIGTERM, Ctrl-C) while starting: the workers stop too, running what they started.
            foreach (var w in first) w.Terminate();
            await Task.WhenAny(Task.WhenAll(first.Select(w => w.Exited)), Task.Delay(_graceful));
            throw;
        }
        for (var i = 0; i < first.Length; i++)
        {
            if (ready[i]) continue;
            foreach (var w in first) w.Kill();
            var why = first[i].HasExited ? $"exited with code {await first[i].Exited} before it was ready" : $"was not ready within {ReadyTimeout.TotalSeconds:F0} s";
            throw new Python.AppLoadException($"Worker {i} {why}; its output is above.");
        }
        lock (_gate)
        {
            foreach (var w in first)
            {
                w.MarkReady();
                _ready.Add(w);
            }
        }
        Publish();
        foreach (var w in first)
        {
            _ = WatchAsync(w);
            _ = WatchHealthAsync(w);
        }
        Log.LogInformation("{Count} workers ready: pids {Pids}", _count, string.Join(", ", first.Select(w => w.Pid)));
    }

    WorkerProcess Spawn(int slot)
    {
        var worker = WorkerProcess.Start(_launch, slot, Interlocked.Increment(ref _generation), SocketDirectory);
        lock (_gate)
        {
            _previous[slot] = _slots[slot];
            _slots[slot] = worker;
        }
        return worker;
    }

    /// <summary>Waits for a worker to exit; replaces it unless the server is stopping or it was recycled.</summary>
    async Task WatchAsync(WorkerProcess worker)
    {
        var code = await worker.Exited;
        bool replace;
        lock (_gate)
        {
            _ready.Remove(worker);
            _silent.Remove(worker);
            replace = _slots[worker.Slot] == worker && !_stopping.IsCancellationRequested;
        }
        if (!replace) return;
        Publish();
        var lived = DateTime.UtcNow - worker.StartedAt;
        TimeSpan delay;
        if (worker.ReadyAt is { } readyAt && DateTime.UtcNow - readyAt >= ServedFor)
        {
            _backoff[worker.Slot] = FirstBackoff;
            delay = TimeSpan.Zero;
        }
        else
        {
            delay = _backoff[worker.Slot];
            _backoff[worker.Slot] = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
        }
        Observability.GatewayMeters.WorkerRestarted(worker.StopCause ?? "exit");
        Log.LogWarning("{Worker} exited with code {Code} after {Lived:F1} s; starting a new one in {Delay:F1} s",
            worker, code, lived.TotalSeconds, delay.TotalSeconds);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        if (_stopping.IsCancellationRequested) return;
        await BringUpAsync(worker.Slot);
    }

    /// <summary>Starts a worker in the slot and adds it to the pool when it is ready; retries (via WatchAsync) if it dies first.</summary>
    async Task BringUpAsync(int slot, WorkerProcess? retiring = null)
    {
        var worker = Spawn(slot);
        _ = WatchAsync(worker);
        bool ready;
        try
        {
            ready = await worker.WaitReadyAsync(ReadyTimeout, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (!ready)
        {
            if (!worker.HasExited)
            {
                Log.LogError("{Worker} was not ready within {Seconds:F0} s; killing it", worker, ReadyTimeout.TotalSeconds);
                worker.Kill();
            }
            return; // WatchAsync starts the next attempt
        }
        worker.MarkReady();
        lock (_gate)
        {
            _ready.Add(worker);
            if (retiring is not null) _ready.Remove(retiring);
        }
        Publish();
        _ = WatchHealthAsync(worker);
        Log.LogInformation("{Worker} is ready and serving", worker);
        if (retiring is null) return;
        // Requests that already picked the old worker still reach it; then it drains and stops.
        await Task.Delay(500);
        retiring.Terminate();
        lock (_gate) _recycling.Remove(slot);
    }

    /// <summary>Called by the front after each forwarded request.</summary>
    public void Forwarded(WorkerProcess worker)
    {
        if (_maxRequests <= 0 || worker.CountRequest() != _maxRequests) return;
        ReplaceServedOut(worker);
    }

    /// <summary>
    /// --balance kernel: the front sees no request, so a worker counts its own and its health answer
    /// says how many (<see cref="Web.ServedCount"/>); checked every second, so a worker is replaced
    /// within about a second of its K-th request.
    /// </summary>
    void ServedSoFar(WorkerProcess worker, long served)
    {
        worker.Served = served;
        if (_maxRequests > 0 && served >= _maxRequests) ReplaceServedOut(worker);
    }

    void ReplaceServedOut(WorkerProcess worker)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested || !_ready.Contains(worker) || !_recycling.Add(worker.Slot)) return;
        }
        Log.LogInformation("{Worker} served {Count} requests (--max-requests); replacing it", worker, _maxRequests);
        Observability.GatewayMeters.WorkerRestarted("max_requests");
        _ = BringUpAsync(worker.Slot, retiring: worker);
    }

    /// <summary>
    /// A request reached its worker and the connection closed with no answer: the worker most
    /// likely died running it (ForwardToWorker does not replay it). Named here so the route can be found.
    /// </summary>
    public void LostWhileRunning(HttpContext context, WorkerProcess worker) =>
        Log.LogError("{Method} {Path}: {Worker} closed the connection without answering ({State}); not sent to another worker, answered 502",
            context.Request.Method, context.Request.Path, worker,
            worker.HasExited ? "it died running the request" : "it died or dropped the request");

    void Publish()
    {
        List<WorkerProcess> ready;
        lock (_gate)
        {
            ready = _stopping.IsCancellationRequested ? [] : _ready.Except(_silent).ToList();
            if (ready.Count > 0 || _stopping.IsCancellationRequested) _anyReady.TrySetResult();
            else if (_anyReady.Task.IsCompleted) _anyReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        _pool.Publish(ready);
    }

    /// <summary>
    /// For a request that finds no worker (all of them restarting): completes when one is ready
    /// again (or the server stops). False if none is within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> WhenAnyReadyAsync(TimeSpan timeout, CancellationToken aborted)
    {
        Task ready;
        lock (_gate) ready = _anyReady.Task;
        try
        {
            await ready.WaitAsync(timeout, aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return false;
        }
        return !_stopping.IsCancellationRequested;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        Publish();
        WorkerProcess[] all;
        lock (_gate) all = _slots.Concat(_ready).OfType<WorkerProcess>().Distinct().Where(w => !w.HasExited).ToArray();
        Log.LogInformation("Stopping {Count} workers", all.Length);
        foreach (var w in all) w.Terminate();
        var exits = Task.WhenAll(all.Select(w => w.Exited));
        if (await Task.WhenAny(exits, Task.Delay(_graceful + TimeSpan.FromSeconds(5))) != exits)
        {
            foreach (var w in all.Where(w => !w.HasExited))
            {
                Log.LogWarning("{Worker} did not stop in time; killing it", w);
                w.Kill();
            }
        }
        foreach (var w in all.Where(w => w.HasExited && w.Exited.Result != 0))
            Log.LogWarning("{Worker} exited with code {Code}", w, w.Exited.Result);
        _probe.Dispose();
        _folder.Dispose(); // the workers are gone: their sockets, the relay's and the key go too
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
