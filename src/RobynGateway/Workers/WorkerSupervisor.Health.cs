namespace RobynGateway.Workers;

/// <summary>
/// The front's watch over its running workers (the interpreter watchdog's other half). Every
/// <see cref="ProbeInterval"/> it asks each ready worker's readiness endpoint over its socket:
/// <list type="bullet">
/// <item>503 <c>hung: ...</c> (its Python made no progress for <c>--hang-timeout</c>): the worker
///   leaves the pool, is killed and replaced; the log line carries what the worker said it was running.</item>
/// <item>No answer within <see cref="ProbeTimeout"/> (SIGSTOP, a frozen process): it leaves the pool at
///   once, unless it is the last worker that could take requests (a machine too busy to answer in
///   time must not turn every request away); it comes back when it answers again, and is killed and
///   replaced once it has not answered for <c>--hang-timeout</c> plus <see cref="HeardWithin"/>.</item>
/// </list>
/// Requests already sent to such a worker may fail (502 once it is killed); new ones go elsewhere.
/// </summary>
internal sealed partial class WorkerSupervisor
{
    static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How much longer than <c>--hang-timeout</c> a silent worker gets before it is killed: a worker
    /// whose Python hangs says so itself (its watchdog notices within a tick, at most a second, and the
    /// next probe hears it), and that answer names the route. Killing a silent worker at exactly
    /// <c>--hang-timeout</c> raced it: on a busy machine two slow probes won, and the log said only
    /// "has not answered".
    /// </summary>
    static readonly TimeSpan HeardWithin = TimeSpan.FromSeconds(2);

    /// <summary>From the moment a worker is ready until it exits (or the server stops).</summary>
    async Task WatchHealthAsync(WorkerProcess worker)
    {
        DateTime? silentSince = null;
        while (!worker.HasExited && !_stopping.IsCancellationRequested)
        {
            var asked = DateTime.UtcNow;
            var (health, text, served) = await _probe.AskAsync(worker, ProbeTimeout, _stopping.Token).ConfigureAwait(false);
            if (worker.HasExited || _stopping.IsCancellationRequested) return;
            switch (health)
            {
                case WorkerHealth.Ready:
                    silentSince = null;
                    if (RouteTo(worker)) Log.LogWarning(KernelBalance ? "{Worker} answers again" : "{Worker} answers again; sending it requests again", worker);
                    if (served is { } count) ServedSoFar(worker, count);
                    break;
                case WorkerHealth.Hung:
                    RouteAround(worker, evenTheLast: true);
                    Log.LogError("{Worker} reports {Text}; killing it and starting a new one", worker, text);
                    worker.StopCause = "hang";
                    worker.Kill();
                    return;
                case WorkerHealth.NoAnswer:
                    silentSince ??= asked;
                    var silent = DateTime.UtcNow - silentSince.Value;
                    if (_hangTimeout > TimeSpan.Zero && silent >= _hangTimeout + HeardWithin)
                    {
                        RouteAround(worker, evenTheLast: true);
                        Log.LogError("{Worker} has not answered its health checks for {Seconds:F0} s (--hang-timeout {Timeout} s); killing it and starting a new one",
                            worker, silent.TotalSeconds, _hangTimeout.TotalSeconds);
                        worker.StopCause = "unresponsive";
                        worker.Kill();
                        return;
                    }
                    if (RouteAround(worker, evenTheLast: false))
                        Log.LogWarning(KernelBalance
                            ? "{Worker} did not answer its health check ({Text}); under --balance kernel the connections it is given wait until it answers or is replaced"
                            : "{Worker} did not answer its health check ({Text}); sending requests to the other workers", worker, text);
                    break;
            }
            var wait = ProbeInterval - (DateTime.UtcNow - asked);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Takes a ready worker out of the pool; false if it was out already, or is the last one in and must stay.</summary>
    bool RouteAround(WorkerProcess worker, bool evenTheLast)
    {
        lock (_gate)
        {
            if (!_ready.Contains(worker) || _silent.Contains(worker)) return false;
            if (!evenTheLast && _ready.Count - _silent.Count <= 1) return false;
            _silent.Add(worker);
        }
        Publish();
        return true;
    }

    /// <summary>Puts a worker that answers again back into the pool; false if it was not out.</summary>
    bool RouteTo(WorkerProcess worker)
    {
        lock (_gate)
        {
            if (!_silent.Remove(worker)) return false;
        }
        Publish();
        return true;
    }
}
