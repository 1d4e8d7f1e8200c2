namespace RobynGateway.Python;

/// <summary>An <c>@app.health_check</c>: its name and how long it may take.</summary>
internal sealed record AppHealthCheck(string Name, TimeSpan Timeout);

/// <summary>What one run said about one check.</summary>
internal readonly record struct AppHealthOutcome(bool Healthy, string Text);

/// <summary>
/// Runs the app's health checks (robyn/health.py) for the readiness endpoint.
///
/// Design notes. A run takes the GIL and then waits, GIL released, up to the longest check's
/// timeout for the checks it started (async ones on the app's loop, sync ones on daemon threads
/// of their own): a blocking wait, so it runs on a thread of its own ("robyn-health"), never on a
/// thread-pool thread. The GIL is taken as on every cold path (<see cref="Gil.Acquire"/>). Runs
/// are coalesced: an answer asked for while a run is in flight waits for that run, so a burst of
/// probes makes one trip into Python. The caller bounds its own wait (HealthChecks' per-check
/// timeout), so an interpreter that never gives the GIL back makes the answer 503, not late.
/// </summary>
internal sealed class PythonHealthRunner
{
    readonly PyHandle _run;
    readonly object _gate = new();
    readonly SemaphoreSlim _wake = new(0);
    TaskCompletionSource<IReadOnlyDictionary<string, AppHealthOutcome>>? _next;
    Thread? _thread;

    public PythonHealthRunner(PyHandle run) => _run = run;

    /// <summary>The outcome of a run that starts now, or of the one in flight.</summary>
    public Task<IReadOnlyDictionary<string, AppHealthOutcome>> RunAsync()
    {
        lock (_gate)
        {
            if (_next is { } pending) return pending.Task;
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "robyn-health" };
                _thread.Start();
            }
            _wake.Release();
            return _next.Task;
        }
    }

    void Loop()
    {
        while (true)
        {
            _wake.Wait();
            TaskCompletionSource<IReadOnlyDictionary<string, AppHealthOutcome>> run;
            lock (_gate) run = _next!;
            IReadOnlyDictionary<string, AppHealthOutcome> outcome;
            try
            {
                outcome = RunOnce();
            }
            catch (Exception ex)
            {
                lock (_gate) _next = null;
                run.SetException(ex);
                continue;
            }
            // Cleared before the answer: a probe that reads it and asks again starts a fresh run.
            lock (_gate) _next = null;
            run.SetResult(outcome);
        }
    }

    Dictionary<string, AppHealthOutcome> RunOnce()
    {
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        using var answer = _run.Call(gil);
        var outcomes = new Dictionary<string, AppHealthOutcome>(StringComparer.Ordinal);
        foreach (var (name, outcome) in answer.Select(gil, static (item, g) =>
                     (item.TextAt(0, g), new AppHealthOutcome(item.TruthAt(1, g), item.TextAt(2, g)))))
            outcomes[name] = outcome;
        return outcomes;
    }
}
