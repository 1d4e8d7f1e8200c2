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
///
/// One file per concern: PythonApp.Loading (reading the app), PythonApp.Lifecycle (start, stop),
/// PythonApp.Queueing (which thread runs a call), PythonApp.Stages (running a stage on that
/// thread, through the <see cref="CallStages"/> table) and PythonApp.Releasing (dropping Python
/// references from threads that may not take the GIL).
/// </summary>
internal sealed unsafe partial class PythonApp
{
    static readonly object LoadGate = new();

    // The bridge's LoadedApp and every object the app calls through, kept for the process's life:
    // a stopped app's loop thread may still be inside them (Stop leaves a stuck one running).
    readonly PyHandle _loaded;
    readonly CallStages _stages;
    readonly BorrowedRef _cancelTask; // borrowed: _keepAlive owns it, as every object the app calls
    int _onLoop; // calls submitted to the loop and not yet completed (the async side of --max-queue)
    readonly System.Collections.Concurrent.ConcurrentQueue<NewRef> _released = new();
    readonly List<PyHandle> _keepAlive = [];
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

    /// <summary>The app's <c>@app.health_check</c> functions, in order (run by <see cref="HealthRunner"/>).</summary>
    public IReadOnlyList<AppHealthCheck> HealthChecks { get; }

    /// <summary>Runs the app's checks on a thread of its own; null when the app declared none.</summary>
    public PythonHealthRunner? HealthRunner { get; }

    /// <summary>The app's websocket endpoints and their open connections.</summary>
    public WebSockets.WebSocketHub Sockets { get; }

    PythonApp(string appPath, PyHandle loaded, GilHeld gil)
    {
        AppPath = appPath;
        _loaded = loaded;
        _cancelTask = Keep(loaded.GetAttr("cancel_task", gil));
        Sockets = new WebSockets.WebSocketHub(WebSockets.SocketEndpoint.Read(loaded, gil));

        using (var routes = loaded.GetAttr("routes", gil))
            Routes = routes.Select(gil, (route, g) =>
            {
                var index = Keep(route.Item(2, g)); // the route's number as Python's int, passed with each call
                return new RouteEntry(
                    route.IntAt(2, g), route.TextAt(0, g), route.TextAt(1, g), route.TruthAt(3, g),
                    route.TextsAt(4, g).ToArray(), index, route.DoubleOrNoneAt(5, g));
            });

        using (var constHeaders = loaded.GetAttr("const_headers", gil))
            _headers = new HeaderCache(constHeaders.Select(gil, (tuple, g) => Keep(PyHandle.Borrow(tuple.Ref, g))), gil);
        _stages = new CallStages(loaded, Keep, _headers, gil);

        Declarations = AppDeclarations.Read(loaded, gil);
        using (var checks = loaded.GetAttr("health_checks", gil))
            HealthChecks = checks.Select(gil, (c, g) => new AppHealthCheck(c.TextAt(0, g), TimeSpan.FromSeconds(c.DoubleAt(1, g))));
        if (HealthChecks.Count > 0) HealthRunner = new PythonHealthRunner(loaded.GetAttr("run_health_checks", gil));

        using var start = loaded.GetAttr("start_args", gil);
        StartArgs = new StartArgs(
            GetText(start, "host", gil), GetNumber(start, "port", gil), GetNumber(start, "processes", gil), GetNumber(start, "workers", gil),
            GetText(start, "log_level", gil), GetSeconds(start, "client_timeout", gil), GetSeconds(start, "keep_alive_timeout", gil),
            GetFlag(start, "open_browser", gil), GetSeconds(start, "timeout", gil), GetNumber(start, "max_queue", gil));
    }
}
