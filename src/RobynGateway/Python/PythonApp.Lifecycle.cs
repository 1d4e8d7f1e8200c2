using RobynGateway.Http;

namespace RobynGateway.Python;

// Start (loop, startup handler, const routes, workers, watchdog) and stop (shutdown handler, loop, workers).
internal sealed unsafe partial class PythonApp
{
    /// <summary>The watchdog (<c>--hang-timeout</c>); null when it is off or the app has not started.</summary>
    public InterpreterWatch? Watch => _watch;

    /// <summary>
    /// Starts the event loop, runs the startup handler on it, then starts the sync workers and, with
    /// a <paramref name="hangTimeout"/> above zero, the watchdog (after the startup handler, which may take long).
    /// </summary>
    public void Start(int workers, TimeSpan hangTimeout = default)
    {
        using (var scope = Gil.Acquire())
        {
            var gil = scope.Held;
            _async = new AsyncLoopBridge(this, gil);
            try
            {
                _loaded.CallMethod("start_loop", gil).Dispose();
                _loaded.CallMethod("attach_wakeup", gil, _async.ReadFd, _async.DrainFunction.Borrow()).Dispose();
                AttachSockets(gil);
                _loaded.CallMethod("run_startup", gil).Dispose();
                _startupRan = true;
                if (hangTimeout > TimeSpan.Zero) PythonStacks.Prepare(gil); // for the watchdog's log
            }
            catch (PythonError ex)
            {
                throw new AppLoadException($"The startup handler of {AppPath} failed:\n{ex.Format().TrimEnd()}");
            }
            CacheConstRoutes(gil);
        }
        _sync = new SyncWorkerPool(this, workers);
        _streams = new StreamPullPool(this);
        if (hangTimeout > TimeSpan.Zero)
            _watch = new InterpreterWatch(hangTimeout, _async, _sync.Trips,
                Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway"));
    }

    /// <summary>
    /// Metrics on: the loop reports its lag (robyn.loop.lag) every half second from its start, through
    /// the <c>loop_lag</c> builtin. A timer on the loop, not a cost per request.
    /// </summary>
    public void WatchLoopLag()
    {
        using var gil = Gil.Acquire();
        _loaded.CallMethod("watch_loop_lag", gil.Held, NativeCallbacks.LoopLag, 0.5).Dispose();
    }

    /// <summary>
    /// Called when the stop begins: with the watchdog on, bounds the stop (<see cref="StopDeadline"/>);
    /// with it off, the stop waits for Python as long as it takes, as before.
    /// </summary>
    public void ArmStopDeadline(TimeSpan graceful, Serilog.ILogger log)
    {
        if (_watch is null) return;
        StopDeadline.Arm(graceful, () => _stopLeft is { } left ? Unfinished(left) : null, log);
    }

    string Unfinished(string left)
    {
        var parts = new List<string> { left };
        if (_watch?.Current is { } hang) parts.Add(hang.ToString());
        foreach (var trip in _sync?.Trips ?? [])
        {
            var (since, what) = trip.Read();
            if (since != 0) parts.Add($"{what} still running on {trip.Thread} after {System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalSeconds:F0} s");
        }
        return string.Join("; ", parts);
    }

    /// <summary>Gives robyn.ws the functions that reach this app's connections.</summary>
    void AttachSockets(GilHeld gil)
    {
        if (Sockets.IsEmpty) return;
        _hubHandle = System.Runtime.InteropServices.GCHandle.Alloc(Sockets);
        var functions = WebSockets.SocketCallbacks.Create(_hubHandle, gil);
        try
        {
            _loaded.CallMethod("attach_sockets", gil, functions.Select(f => (object?)f.Borrow()).ToArray()).Dispose();
        }
        finally
        {
            foreach (var f in functions) f.Dispose();
        }
    }

    /// <summary>After the startup handler: runs each const route once and keeps its answer.</summary>
    void CacheConstRoutes(GilHeld gil)
    {
        PyHandle answers;
        try
        {
            answers = _loaded.CallMethod("run_consts", gil);
        }
        catch (PythonError ex)
        {
            throw new AppLoadException($"{AppPath}: {ex.Format().TrimEnd()}");
        }
        using (answers)
        {
            foreach (var (index, result) in answers.Select(gil, static (item, g) => (item.IntAt(0, g), item.Item(1, g))))
            {
                using (result)
                {
                    var route = Routes[index];
                    var scratch = PythonCall.Rent(this, route);
                    try
                    {
                        if (!CallMarshaller.TryReadResult(result.Ref, scratch, _headers, gil))
                            throw new AppLoadException($"{AppPath}: the const route {route} returned an answer that cannot be sent.");
                        route.Const = ConstAnswer.From(scratch);
                    }
                    finally
                    {
                        PythonCall.Return(scratch);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Runs the shutdown handler (if the startup handler completed: a start that failed runs none,
    /// as the server, which exits), then stops the loop and the workers. Never throws. Only the first
    /// call does anything: a host may stop twice (WebApplicationFactory stops the host, then the
    /// entry point's Run() stops it again), and a second pass would close the wake-up descriptors
    /// again after another file may have taken it.
    /// </summary>
    public void Stop(Serilog.ILogger log)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        string? stuckAt = "(stop_loop failed)";
        _stopLeft = "the shutdown handler had not started: Python did not release the GIL";
        using (var scope = Gil.Acquire())
        {
            var gil = scope.Held;
            _stopLeft = "the shutdown handler had not returned";
            try
            {
                if (_startupRan) _loaded.CallMethod("run_shutdown", gil).Dispose();
            }
            catch (PythonError ex)
            {
                log.Error("The shutdown handler failed:\n{Traceback:l}", ex.Format().TrimEnd());
            }
            ReleaseFinished(gil);
            // The loop stops now: its heartbeat would stop too, and the watch uses its wake-up.
            _watch?.Dispose();
            _stopLeft = "the event loop had not stopped";
            try
            {
                using var stuck = _loaded.CallMethod("stop_loop", gil);
                stuckAt = stuck.IsNone ? null : stuck.Text(gil);
            }
            catch (PythonError ex)
            {
                log.Error("Stopping the event loop failed:\n{Traceback:l}", ex.Format().TrimEnd());
            }
        }
        _stopLeft = "the sync workers had not stopped";
        _sync?.Dispose();
        _streams?.Dispose();
        _stopLeft = null;
        // A loop thread that did not stop may still call drain(): its bridge (handle, wake-up file)
        // must outlive it, or every wake-up would fail and leave the file readable for ever.
        if (stuckAt is null) _async?.Dispose();
        else log.Warning("The event loop of {App} did not stop within its bounded wait; it is left running, at:\n{Stack:l}", AppPath, stuckAt);
    }
}
