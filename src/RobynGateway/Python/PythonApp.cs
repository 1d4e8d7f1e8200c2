using Python.Runtime;
using RobynGateway.Routing;

namespace RobynGateway.Python;

/// <summary>What the app's <c>app.start(...)</c> call and its Config asked for (null where they were silent).</summary>
internal sealed record StartArgs(string? Host, int? Port, int? Processes, int? Workers, string? LogLevel = null,
    double? ClientTimeout = null, double? KeepAliveTimeout = null, bool OpenBrowser = false,
    double? Timeout = null, int? MaxQueue = null);

/// <summary>The app file failed to load; the message holds the Python traceback.</summary>
internal sealed class AppLoadException(string message) : Exception(message);

/// <summary>
/// One Robyn app loaded into the interpreter: its route table, its dispatchers, its sync workers
/// and its event-loop bridge. Several may live in one process (the tests do that), so nothing
/// here is static. Lifetime: <see cref="Load"/> (runs the app file), <see cref="Start"/> (loop,
/// startup handler, workers), <see cref="Stop"/> (shutdown handler, loop, workers).
/// </summary>
internal sealed unsafe class PythonApp
{
    static readonly object LoadGate = new();

    readonly PyObject _loaded;
    readonly PyObject _dispatchSync;
    readonly PyObject _dispatchAsync;
    readonly nint _dispatchSyncAddress;
    readonly nint _dispatchAsyncAddress;
    // Hook stages, indexed by CallStage (Before, Handler, After); the continue answer and Exchange
    // class are compared and called by address.
    readonly nint[] _stageSync = new nint[6];
    readonly nint[] _stageAsync = new nint[6];
    readonly nint _exchangeType;
    readonly nint _continue;
    readonly nint _cancelTask;
    int _onLoop; // calls submitted to the loop and not yet completed (the async side of --max-queue)
    readonly System.Collections.Concurrent.ConcurrentQueue<nint> _released = new();
    readonly List<PyObject> _keepAlive = [];
    readonly HeaderCache _headers;
    SyncWorkerPool? _sync;
    StreamPullPool? _streams;
    // Keeps the hub reachable from Python's websocket builtins; never freed: a builtin may outlive the app.
    System.Runtime.InteropServices.GCHandle _hubHandle;
    int _stopped;
    bool _startupRan; // Stop runs the shutdown handler only after a startup handler that completed
    AsyncLoopBridge? _async;
    InterpreterWatch? _watch;
    // Where Stop is, for the stop deadline's log line; null once Python's part of the stop is done.
    volatile string? _stopLeft = "the server had not finished draining";

    public IReadOnlyList<RouteEntry> Routes { get; }

    public StartArgs StartArgs { get; }

    /// <summary>Static mounts, CORS, global headers and hooks the app declared.</summary>
    public AppDeclarations Declarations { get; }
    public string AppPath { get; }

    /// <summary>The app's websocket endpoints and their open connections.</summary>
    public WebSockets.WebSocketHub Sockets { get; }

    PythonApp(string appPath, PyObject loaded)
    {
        AppPath = appPath;
        _loaded = loaded;
        _dispatchSync = loaded.GetAttr("dispatch_sync");
        _dispatchAsync = loaded.GetAttr("dispatch_async");
        _dispatchSyncAddress = PyInterop.Address(_dispatchSync);
        _dispatchAsyncAddress = PyInterop.Address(_dispatchAsync);

        foreach (var (stage, name) in new[] { (CallStage.Before, "before"), (CallStage.Handler, "handle"), (CallStage.After, "after") })
        {
            _stageSync[(int)stage] = Keep(loaded.GetAttr(name + "_sync"));
            _stageAsync[(int)stage] = Keep(loaded.GetAttr(name + "_async"));
        }
        _exchangeType = Keep(loaded.GetAttr("exchange_type"));
        _stageSync[(int)CallStage.StreamNext] = Keep(loaded.GetAttr("stream_next"));
        _stageAsync[(int)CallStage.StreamNext] = Keep(loaded.GetAttr("stream_next_async"));
        _continue = Keep(loaded.GetAttr("continue_result"));
        _cancelTask = Keep(loaded.GetAttr("cancel_task"));
        _stageSync[(int)CallStage.Socket] = Keep(loaded.GetAttr("socket_event_sync"));
        _stageAsync[(int)CallStage.Socket] = Keep(loaded.GetAttr("socket_event_async"));
        Sockets = new WebSockets.WebSocketHub(WebSockets.SocketEndpoint.Read(loaded));

        var routes = new List<RouteEntry>();
        foreach (var route in new PyIterable(loaded.GetAttr("routes")))
        {
            var index = route[2];
            _keepAlive.Add(index);
            routes.Add(new RouteEntry(
                index.As<int>(),
                route[0].As<string>(),
                route[1].As<string>(),
                route[3].As<bool>(),
                new PyIterable(route[4]).Select(p => p.As<string>()).ToArray(),
                PyInterop.Address(index),
                route[5].IsNone() ? null : route[5].As<double>()));
        }
        Routes = routes;

        var constants = new List<nint>();
        foreach (var tuple in new PyIterable(loaded.GetAttr("const_headers")))
        {
            _keepAlive.Add(tuple);
            constants.Add(PyInterop.Address(tuple));
        }
        _headers = new HeaderCache(constants);

        Declarations = AppDeclarations.Read(loaded);

        using var start = loaded.GetAttr("start_args");
        StartArgs = new StartArgs(
            GetText(start, "host"), GetNumber(start, "port"), GetNumber(start, "processes"), GetNumber(start, "workers"),
            GetText(start, "log_level"), GetSeconds(start, "client_timeout"), GetSeconds(start, "keep_alive_timeout"),
            GetFlag(start, "open_browser"), GetSeconds(start, "timeout"), GetNumber(start, "max_queue"));
    }

    nint Keep(PyObject o)
    {
        _keepAlive.Add(o);
        return PyInterop.Address(o);
    }

    static string? GetText(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsNone() ? null : value.As<string>();
    }

    static double? GetSeconds(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsNone() ? null : value.As<double>();
    }

    static bool GetFlag(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsTrue();
    }

    static int? GetNumber(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsNone() ? null : value.As<int>();
    }

    /// <summary>Runs the app file as __main__ and reads what it registered.</summary>
    public static PythonApp Load(string appPath, IReadOnlyList<string> appArgs, bool dev)
    {
        lock (LoadGate) // sys.argv and os.environ are process-wide
        {
            using (Py.GIL())
            {
                PyConstants.EnsureCreated();
                NativeCallbacks.EnsureCreated();
                try
                {
                    using var os = Py.Import("os");
                    using var environ = os.GetAttr("environ");
                    // Tracebacks in 500 bodies follow --dev alone: a ROBYN_DEV=1 left in the
                    // environment of a production start must not turn them on.
                    if (dev) environ.SetItem("ROBYN_DEV", new PyString("1"));
                    else environ.InvokeMethod("pop", new PyString("ROBYN_DEV"), PyObject.None).Dispose();
                    using var bridge = Py.Import("robyn._bridge");
                    using var argv = new PyList(appArgs.Select(a => (PyObject)new PyString(a)).ToArray());
                    using var complete = PyInterop.Wrap(NativeCallbacks.Complete);
                    using var log = PyInterop.Wrap(NativeCallbacks.Log);
                    var loaded = bridge.InvokeMethod("load", new PyString(appPath), argv, complete, log);
                    return new PythonApp(appPath, loaded);
                }
                catch (PythonException ex)
                {
                    throw new AppLoadException($"Loading {appPath} failed:\n{ex.Format().TrimEnd()}");
                }
            }
        }
    }

    /// <summary>
    /// Reads a Robyn app that already lives in this interpreter (the TestClient's): no file is run,
    /// the app object comes from the caller, borrowed (the caller keeps it alive during this call).
    /// </summary>
    public static PythonApp Attach(nint borrowedApp)
    {
        using (Py.GIL())
        {
            PyConstants.EnsureCreated();
            NativeCallbacks.EnsureCreated();
            try
            {
                using var app = PyInterop.Wrap(borrowedApp);
                using var bridge = Py.Import("robyn._bridge");
                using var complete = PyInterop.Wrap(NativeCallbacks.Complete);
                var loaded = bridge.InvokeMethod("attach", app, complete);
                using var path = app.GetAttr("file_path");
                return new PythonApp(path.ToString() ?? "", loaded);
            }
            catch (PythonException ex)
            {
                throw new AppLoadException($"Reading the app failed:\n{ex.Format().TrimEnd()}");
            }
        }
    }

    /// <summary>The watchdog (<c>--hang-timeout</c>); null when it is off or the app has not started.</summary>
    public InterpreterWatch? Watch => _watch;

    /// <summary>
    /// Starts the event loop, runs the startup handler on it, then starts the sync workers and, with
    /// a <paramref name="hangTimeout"/> above zero, the watchdog (after the startup handler, which may take long).
    /// </summary>
    public void Start(int workers, TimeSpan hangTimeout = default)
    {
        using (Py.GIL())
        {
            _async = new AsyncLoopBridge(this);
            try
            {
                _loaded.InvokeMethod("start_loop").Dispose();
                using var drain = PyInterop.Wrap(_async.DrainFunction);
                _loaded.InvokeMethod("attach_wakeup", new PyInt(_async.EventFd), drain).Dispose();
                AttachSockets();
                _loaded.InvokeMethod("run_startup").Dispose();
                _startupRan = true;
                if (hangTimeout > TimeSpan.Zero) PythonStacks.Prepare(); // for the watchdog's log
            }
            catch (PythonException ex)
            {
                throw new AppLoadException($"The startup handler of {AppPath} failed:\n{ex.Format().TrimEnd()}");
            }
            CacheConstRoutes();
        }
        _sync = new SyncWorkerPool(this, workers);
        _streams = new StreamPullPool(this);
        if (hangTimeout > TimeSpan.Zero)
            _watch = new InterpreterWatch(hangTimeout, _async, _sync.Trips,
                Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway"));
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

    /// <summary>Holding the GIL: gives robyn.ws the functions that reach this app's connections.</summary>
    void AttachSockets()
    {
        if (Sockets.IsEmpty) return;
        _hubHandle = System.Runtime.InteropServices.GCHandle.Alloc(Sockets);
        var functions = WebSockets.SocketCallbacks.Create(_hubHandle);
        var wrapped = functions.Select(f => PyInterop.Wrap(f)).ToArray();
        foreach (var f in functions) CApi.Py_DecRef(f);
        _loaded.InvokeMethod("attach_sockets", wrapped).Dispose();
        foreach (var w in wrapped) w.Dispose();
    }

    /// <summary>Holding the GIL, after the startup handler: runs each const route once and keeps its answer.</summary>
    void CacheConstRoutes()
    {
        PyObject answers;
        try
        {
            answers = _loaded.InvokeMethod("run_consts");
        }
        catch (PythonException ex)
        {
            throw new AppLoadException($"{AppPath}: {ex.Format().TrimEnd()}");
        }
        using (answers)
        {
            foreach (var item in new PyIterable(answers))
            {
                using (item)
                {
                    var route = Routes[item[0].As<int>()];
                    using var result = item[1];
                    var scratch = PythonCall.Rent(this, route);
                    try
                    {
                        if (!CallMarshaller.TryReadResult(PyInterop.Address(result), scratch, _headers))
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
    /// entry point's Run() stops it again), and a second pass would close the eventfd number
    /// again after another file may have taken it.
    /// </summary>
    public void Stop(Serilog.ILogger log)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        string? stuckAt = "(stop_loop failed)";
        _stopLeft = "the shutdown handler had not started: Python did not release the GIL";
        using (Py.GIL())
        {
            _stopLeft = "the shutdown handler had not returned";
            try
            {
                if (_startupRan) _loaded.InvokeMethod("run_shutdown").Dispose();
            }
            catch (PythonException ex)
            {
                log.Error("The shutdown handler failed:\n{Traceback:l}", ex.Format().TrimEnd());
            }
            ReleaseFinished();
            // The loop stops now: its heartbeat would stop too, and the watch uses its eventfd.
            _watch?.Dispose();
            _stopLeft = "the event loop had not stopped";
            try
            {
                using var stuck = _loaded.InvokeMethod("stop_loop");
                stuckAt = stuck.IsNone() ? null : stuck.As<string>();
            }
            catch (PythonException ex)
            {
                log.Error("Stopping the event loop failed:\n{Traceback:l}", ex.Format().TrimEnd());
            }
        }
        _stopLeft = "the sync workers had not stopped";
        _sync?.Dispose();
        _streams?.Dispose();
        _stopLeft = null;
        // A loop thread that did not stop may still call drain(): its bridge (handle, eventfd)
        // must outlive it, or every wake-up would fail and leave the eventfd readable for ever.
        if (stuckAt is null) _async?.Dispose();
        else log.Warning("The event loop of {App} did not stop within its bounded wait; it is left running, at:\n{Stack:l}", AppPath, stuckAt);
    }

    /// <summary>
    /// Queues a call for the thread that runs it: the loop for async work, a stream thread for the
    /// next item of a sync stream (which may sleep between items: it must hold no sync worker),
    /// else a sync worker.
    /// </summary>
    public void Submit(PythonCall call)
    {
        var onLoop = call.Stage == CallStage.Dispatch ? call.Route!.IsAsync : call.StageOnLoop;
        call.EnterPython();
        if (onLoop)
        {
            // A request's trips count; a stream's next item and a websocket event do not: an open
            // SSE stream or socket may wait on the loop for minutes without loading it.
            if (call.Stage is not (CallStage.StreamNext or CallStage.Socket))
            {
                call.OnLoopCounted = true;
                Interlocked.Increment(ref _onLoop);
            }
            _async!.Enqueue(call);
        }
        else if (call.Stage == CallStage.StreamNext) _streams!.Enqueue(call);
        else _sync!.Enqueue(call);
    }

    /// <summary>Runs one hook stage of a request and waits for its answer, holding no thread.</summary>
    public ValueTask RunStage(PythonCall call, CallStage stage, bool onLoop)
    {
        call.BeginStage(stage, onLoop);
        Submit(call);
        return call.Completion;
    }

    /// <summary>On a sync worker (or a stream thread), holding the GIL.</summary>
    internal void ExecuteSync(PythonCall call)
    {
        if (call.SkipIfTimedOut()) return;
        if (call.Stage == CallStage.Dispatch)
        {
            var result = CallMarshaller.Invoke(_dispatchSyncAddress, call, 0);
            CallMarshaller.ReadAndComplete(result, call, _headers, "dispatch_sync", owned: true);
            return;
        }
        if (call.Stage == CallStage.StreamNext)
        {
            CallMarshaller.ReadChunkAndComplete(CallMarshaller.InvokeStream(_stageSync[(int)CallStage.StreamNext], call, 0), call, owned: true);
            return;
        }
        if (call.Stage == CallStage.Socket)
        {
            CallMarshaller.ReadSessionAndComplete(CallMarshaller.InvokeSocket(_stageSync[(int)CallStage.Socket], call, 0), call, owned: true);
            return;
        }
        var answer = CallMarshaller.InvokeStage(_stageSync[(int)call.Stage], call, 0, _exchangeType);
        if (answer == _continue) CompleteContinue(call, answer, owned: true);
        else CallMarshaller.ReadAndComplete(answer, call, _headers, StageName(call.Stage), owned: true);
    }

    /// <summary>On the loop thread, holding the GIL: starts the handler (or a hook stage) as a task.</summary>
    internal void DispatchAsync(PythonCall call)
    {
        if (call.SkipIfTimedOut()) return;
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(call);
        var token = (long)System.Runtime.InteropServices.GCHandle.ToIntPtr(handle);
        call.LoopToken = token;
        var result = call.Stage switch
        {
            CallStage.Dispatch => CallMarshaller.Invoke(_dispatchAsyncAddress, call, token),
            CallStage.StreamNext => CallMarshaller.InvokeStream(_stageAsync[(int)CallStage.StreamNext], call, token),
            CallStage.Socket => CallMarshaller.InvokeSocket(_stageAsync[(int)CallStage.Socket], call, token),
            _ => CallMarshaller.InvokeStage(_stageAsync[(int)call.Stage], call, token, _exchangeType),
        };
        if (result != 0)
        {
            CApi.Py_DecRef(result);
            return;
        }

        handle.Free();
        call.CompleteWith(500, "Internal server error", ResultKind.Error, $"{StageName(call.Stage)} raised: {CApi.TakeErrorText()}");
    }

    /// <summary>Calls waiting for a sync worker, and calls on the loop not yet finished (--max-queue).</summary>
    public int SyncWaiting => _sync?.Waiting ?? 0;
    public int OnLoop => Volatile.Read(ref _onLoop);

    internal void LoopCallEnded() => Interlocked.Decrement(ref _onLoop);

    /// <summary>Any thread: asks the loop to cancel the task of a call whose request timed out.</summary>
    internal void CancelOnLoop(PythonCall call) => _async?.Cancel(call);

    /// <summary>On the loop thread, holding the GIL: cancels the call's task (its finally blocks run).</summary>
    internal void CancelTask(PythonCall call)
    {
        if (!call.TimedOutOnLoop) return; // it finished, or never started, since the timeout
        var token = CApi.PyLong_FromLongLong(call.LoopToken);
        var result = CApi.PyObject_CallOneArg(_cancelTask, token);
        CApi.Py_DecRef(token);
        if (result == 0) Serilog.Log.Warning("Cancelling the task of {Route} failed: {Error}", call.Route, CApi.TakeErrorText());
        else CApi.Py_DecRef(result);
    }

    /// <summary>Holding the GIL: completes an async call from the result Python passed to complete().</summary>
    internal void CompleteAsync(nint borrowedResult, PythonCall call)
    {
        if (call.Stage == CallStage.StreamNext) CallMarshaller.ReadChunkAndComplete(borrowedResult, call, owned: false);
        else if (call.Stage == CallStage.Socket) CallMarshaller.ReadSessionAndComplete(borrowedResult, call, owned: false);
        else if (borrowedResult == _continue) CompleteContinue(call, borrowedResult, owned: false);
        else CallMarshaller.ReadAndComplete(borrowedResult, call, _headers, StageName(call.Stage), owned: false);
    }

    static void CompleteContinue(PythonCall call, nint answer, bool owned)
    {
        if (owned) CApi.Py_DecRef(answer);
        call.Kind = ResultKind.Continue;
        call.Complete();
    }

    static string StageName(CallStage stage) => stage switch
    {
        CallStage.Before => "the before_request hooks",
        CallStage.Handler => "the handler",
        CallStage.After => "the after_request hooks",
        CallStage.StreamNext => "the streaming response",
        CallStage.Socket => "the websocket event",
        _ => "dispatch",
    };

    /// <summary>
    /// Drops a request's Exchange later, on a thread holding the GIL (the request ends on a Kestrel
    /// thread, which never takes it).
    /// </summary>
    internal void ReleaseLater(nint exchange) => _released.Enqueue(exchange);

    /// <summary>
    /// Like <see cref="ReleaseLater"/>, and wakes a sync worker to do it now: dropping a streaming
    /// answer's iterator closes its generator, whose cleanup (finally blocks) should not wait for
    /// the next request.
    /// </summary>
    internal void ReleaseSoon(nint reference)
    {
        _released.Enqueue(reference);
        // A stream thread first: a sync worker may be inside a slow handler.
        if (_streams?.Poke() != true) _sync?.Poke();
    }

    internal bool HasReleases => !_released.IsEmpty;

    /// <summary>Holding the GIL: drops the exchanges of finished requests.</summary>
    internal void ReleaseFinished()
    {
        while (_released.TryDequeue(out var exchange)) CApi.Py_DecRef(exchange);
    }
}
