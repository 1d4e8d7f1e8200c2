using System.Diagnostics;

namespace RobynGateway.Python;

/// <summary>A stretch without progress in Python: since when (a Stopwatch timestamp) and what was running.</summary>
internal sealed record Hang(long Since, string What)
{
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Since);

    public override string ToString() => $"no progress in Python for {Elapsed.TotalSeconds:F0} s: {What}";
}

/// <summary>
/// The watchdog of one app's interpreter (<c>--hang-timeout</c>): notices when Python has made no
/// progress for that long, logs it with what was running and Python's stacks, and tells the health
/// endpoints (ready fails at once, live after twice the timeout).
///
/// Design notes:
/// <list type="bullet">
/// <item>Progress is read without the GIL, from two heartbeats. (1) The event loop turns: every
///   tick the watch wakes the loop through the bridge's wake-up (eventfd or pipe), the same wake-up requests use, so
///   no Python code is added; each drain bumps a counter. The loop needs the GIL for that, so a
///   handler anywhere that keeps the GIL (a C call: a regular expression that backtracks, a
///   ctypes.PyDLL call, an extension that never releases it) stops it, and so does an async
///   handler that blocks the loop without keeping the GIL (time.sleep in an async def).
///   (2) A probe thread takes the GIL and drops it every tick; while it waits, its wait start is
///   visible. It only tells the two cases apart in the log.</item>
/// <item>Waiting is progress: a sync handler in time.sleep or on a slow socket releases the GIL,
///   and the loop keeps turning. So is pure Python that loops for ever in a def handler (CPython
///   switches the GIL every 5 ms); <c>--timeout</c> is for slow answers, this is for a frozen interpreter.</item>
/// <item>The per-request cost is the sync workers' <see cref="TripSlot"/> writes, read here only to
///   name the route in the log. The heartbeats cost one loop wake-up and one GIL hand-over per tick
///   (a quarter of the timeout, at most a second).</item>
/// <item>A tick that comes late means this process itself did not run (SIGSTOP, a paused VM): the
///   time in between is nobody's hang, so measuring starts again from that tick.</item>
/// <item>Both threads are background threads that hold nothing: the probe may block for ever on a
///   GIL that is never released, and nobody waits for it.</item>
/// </list>
/// </summary>
internal sealed unsafe class InterpreterWatch : IDisposable
{
    readonly TimeSpan _timeout;
    readonly TimeSpan _tick;
    readonly long _timeoutTicks, _tickTicks;
    readonly AsyncLoopBridge _loop;
    readonly IReadOnlyList<TripSlot> _trips;
    readonly Serilog.ILogger _log;
    readonly ManualResetEventSlim _stop = new();
    readonly Thread _monitor;
    long _gilWaitSince; // when the probe asked for the GIL; 0 while it is not waiting
    long _seenDrains = -1, _loopWaitSince, _resumedAt, _lastTick;
    volatile Hang? _hang;
    bool _liveFailing;

    public InterpreterWatch(TimeSpan timeout, AsyncLoopBridge loop, IReadOnlyList<TripSlot> trips, Serilog.ILogger log)
    {
        _timeout = timeout;
        _tick = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 100, 1000));
        _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _tickTicks = (long)(_tick.TotalSeconds * Stopwatch.Frequency);
        _loop = loop;
        _trips = trips;
        _log = log;
        new Thread(ProbeGil) { IsBackground = true, Name = "robyn-gil-probe" }.Start();
        _monitor = new Thread(Monitor) { IsBackground = true, Name = "robyn-watchdog" };
        _monitor.Start();
    }

    public TimeSpan Timeout => _timeout;

    /// <summary>The hang under way; null while Python makes progress.</summary>
    public Hang? Current => _hang;

    /// <summary>A hang has lasted twice the timeout: a restart is now the better bet, so /live fails.</summary>
    public bool LiveFails => _hang is { } h && h.Elapsed >= 2 * _timeout;

    void ProbeGil()
    {
        var state = CApi.PyThreadState_New(CApi.PyInterpreterState_Main());
        while (!_stop.IsSet)
        {
            Volatile.Write(ref _gilWaitSince, Stopwatch.GetTimestamp());
            var held = Gil.Restore(state);
            Volatile.Write(ref _gilWaitSince, 0);
            Gil.Save(held);
            _stop.Wait(_tick);
        }
        Gil.Restore(state);
        CApi.PyThreadState_Clear(state);
        CApi.PyThreadState_DeleteCurrent();
    }

    void Monitor()
    {
        _lastTick = Stopwatch.GetTimestamp();
        while (!_stop.Wait(_tick))
        {
            try
            {
                Check(Stopwatch.GetTimestamp());
            }
            catch (Exception ex)
            {
                _log.Error(ex, "The interpreter watchdog failed a check");
            }
        }
    }

    void Check(long now)
    {
        if (now - _lastTick > 3 * _tickTicks + Stopwatch.Frequency) _resumedAt = now;
        _lastTick = now;

        // The loop's heartbeat: a drain since the last tick is progress; then ask for the next one.
        var drains = _loop.Drains;
        if (drains != _seenDrains)
        {
            _seenDrains = drains;
            _loopWaitSince = now;
        }
        _loop.Wake();
        var since = Math.Max(_loopWaitSince, _resumedAt);
        var gilWait = Volatile.Read(ref _gilWaitSince);
        var gilHeld = gilWait != 0 && now - Math.Max(gilWait, _resumedAt) >= 2 * _tickTicks;

        if (now - since >= _timeoutTicks)
        {
            if (_hang is null)
            {
                var hang = Describe(since, gilHeld);
                _hang = hang;
                Observability.GatewayMeters.Hang();
                _log.Error("Python has made no progress for {Seconds:F0} s (--hang-timeout {Timeout}): {What}. "
                    + "/ready answers 503 from now on, and /live will after {Live} s without progress.{Stacks:l}",
                    hang.Elapsed.TotalSeconds, _timeout.TotalSeconds, hang.What, 2 * _timeout.TotalSeconds, Stacks());
            }
            else if (!_liveFailing && now - since >= 2 * _timeoutTicks)
            {
                _liveFailing = true;
                _log.Error("Python has made no progress for {Seconds:F0} s: /live answers 503 from now on, so that a supervisor "
                    + "restarts this process ({What})", Stopwatch.GetElapsedTime(since).TotalSeconds, _hang?.What);
            }
        }
        else if (_hang is { } over)
        {
            _hang = null;
            _liveFailing = false;
            _log.Warning("Python is making progress again, after {Seconds:F0} s without ({What}); ready again",
                over.Elapsed.TotalSeconds, over.What);
        }
    }

    /// <summary>What was running when Python stopped: the sync workers' routes that started before the stall.</summary>
    Hang Describe(long since, bool gilHeld)
    {
        var running = new List<string>();
        foreach (var trip in _trips)
        {
            var (started, route) = trip.Read();
            if (started != 0 && started <= since + _tickTicks) running.Add($"{route} on {trip.Thread}");
        }
        var list = string.Join(", ", running);
        var what = gilHeld
            ? running.Count > 0 ? $"the GIL is held, running {list}" : "the GIL is held by an async handler or a thread the app started"
            : "the event loop is blocked (an async handler or hook that blocks without awaiting)" + (running.Count > 0 ? $"; also running {list}" : "");
        return new Hang(since, what);
    }

    /// <summary>Every Python thread's stack (<see cref="PythonStacks"/>), without our idle threads.</summary>
    static string Stacks()
    {
        var dump = PythonStacks.Read();
        if (dump.Length == 0 || dump.StartsWith("(no stacks")) return dump.Length == 0 ? "" : "\n" + dump;
        // Our idle threads (the sync workers, this probe) have no Python frame: only noise.
        var threads = dump.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(t => !t.Contains("<no Python frame>")).Select(t => t.Trim());
        return "\nPython's threads, most recent call first:\n" + string.Join("\n", threads);
    }

    /// <summary>Stops the monitor (waits for its tick to end: it uses the loop's wake-up) and the probe.</summary>
    public void Dispose()
    {
        _stop.Set();
        _monitor.Join(TimeSpan.FromSeconds(5));
    }
}
