using Python.Runtime;

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

    readonly PyObject _loaded;
    readonly CallStages _stages;
    readonly BorrowedRef _cancelTask; // borrowed: _keepAlive owns it, as every object the app calls
    int _onLoop; // calls submitted to the loop and not yet completed (the async side of --max-queue)
    readonly System.Collections.Concurrent.ConcurrentQueue<NewRef> _released = new();
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

    /// <summary>The app's <c>@app.health_check</c> functions, in order (run by <see cref="HealthRunner"/>).</summary>
    public IReadOnlyList<AppHealthCheck> HealthChecks { get; }

    /// <summary>Runs the app's checks on a thread of its own; null when the app declared none.</summary>
    public PythonHealthRunner? HealthRunner { get; }

    /// <summary>The app's websocket endpoints and their open connections.</summary>
    public WebSockets.WebSocketHub Sockets { get; }

    PythonApp(string appPath, PyObject loaded, GilHeld gil)
    {
        AppPath = appPath;
        _loaded = loaded;
        _cancelTask = Keep(loaded.GetAttr("cancel_task"));
        Sockets = new WebSockets.WebSocketHub(WebSockets.SocketEndpoint.Read(loaded, gil));

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

        var constants = new List<BorrowedRef>();
        foreach (var tuple in new PyIterable(loaded.GetAttr("const_headers")))
        {
            _keepAlive.Add(tuple);
            constants.Add(PyInterop.Address(tuple));
        }
        _headers = new HeaderCache(constants, gil);
        _stages = new CallStages(loaded, Keep, _headers);

        Declarations = AppDeclarations.Read(loaded, gil);
        HealthChecks = new PyIterable(loaded.GetAttr("health_checks"))
            .Select(c => new AppHealthCheck(c[0].As<string>(), TimeSpan.FromSeconds(c[1].As<double>()))).ToList();
        if (HealthChecks.Count > 0) HealthRunner = new PythonHealthRunner(loaded.GetAttr("run_health_checks"));

        using var start = loaded.GetAttr("start_args");
        StartArgs = new StartArgs(
            GetText(start, "host"), GetNumber(start, "port"), GetNumber(start, "processes"), GetNumber(start, "workers"),
            GetText(start, "log_level"), GetSeconds(start, "client_timeout"), GetSeconds(start, "keep_alive_timeout"),
            GetFlag(start, "open_browser"), GetSeconds(start, "timeout"), GetNumber(start, "max_queue"));
    }
}
