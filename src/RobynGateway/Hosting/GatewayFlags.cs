using static RobynGateway.Hosting.CommandLine;

namespace RobynGateway.Hosting;

/// <summary>
/// Every option of the gateway, in the order --help lists them. To add one: a field here, in
/// <see cref="All"/>, and the code that reads it (<c>cli.Setting(GatewayFlags.X, env)</c> gives the
/// command line's value, else its environment variable's, else null for the app's code or the
/// default to fill). The variable's name is ROBYN_ and the flag in capitals, unless Robyn or
/// uvicorn already named it.
/// </summary>
internal static class GatewayFlags
{
    public static readonly TextFlag Host = new("--host", "ROBYN_HOST", "HOST",
        "Address to listen on (default 127.0.0.1).");
    public static readonly NumberFlag<int> Port = new("--port", "ROBYN_PORT", "PORT",
        "Port to listen on (default 8080).", (w, v) => ParseInt(w, v, 0, 65535));
    public static readonly TextFlag UnixSocket = new("--uds", "ROBYN_UDS", "PATH",
        "Listen on this Unix socket instead of --host/--port (for a proxy on the same host; mode 0660). Sockets passed by "
        + "systemd (LISTEN_FDS) win over both.") { FrontOnly = true };
    public static readonly NumberFlag<int> Processes = new("--processes", "ROBYN_PROCESSES", "N",
        "Worker processes, each with its own interpreter, behind a front process (default 1: no front, no proxy hop).",
        (w, v) => ParseInt(w, v, 1, 1024)) { FrontOnly = true };
    public static readonly NumberFlag<int> MaxRequests = new("--max-requests", "ROBYN_MAX_REQUESTS", "K",
        "With --processes: replace a worker after K requests.", (w, v) => ParseInt(w, v, 1, int.MaxValue)) { FrontOnly = true };
    public static readonly TextFlag Balance = new("--balance", "ROBYN_BALANCE", "MODE",
        "With --processes: who spreads connections over the workers. kernel (the default on Linux): the workers accept "
        + "on the port themselves, on SO_REUSEPORT sockets the front opens, as gunicorn's and uvicorn's workers do; nothing "
        + "is proxied. front (the default elsewhere and with --max-connections): the front accepts every connection and "
        + "proxies each request to a worker, so a request whose worker dies gets 502, a refused idempotent request is "
        + "retried on another worker and a stopped worker is routed around.",
        (w, v) => v.Trim().ToLowerInvariant() is "front" or "kernel" ? v.Trim().ToLowerInvariant()
            : throw new UsageException($"{w} {v}: use front or kernel.")) { FrontOnly = true };
    public static readonly NumberFlag<int> Workers = new("--workers", "ROBYN_WORKERS", "M",
        "Threads running sync handlers per process (default 1).", (w, v) => ParseInt(w, v, 1, 1024));
    public static readonly TextFlag LogLevel = new("--log-level", "ROBYN_LOG_LEVEL", "LEVEL",
        "DEBUG, INFO, WARNING, ERROR or CRITICAL (default INFO).",
        (w, v) => LogLevels.Normalise(v) ?? throw new UsageException($"{w} {v}: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL."));
    public static readonly TextFlag Python = new("--python", "ROBYN_PYTHON", "PATH",
        "The interpreter to embed (else an active virtualenv, then python3 on PATH).") { FrontOnly = true };
    public static readonly NumberFlag<double> GracefulTimeout = new("--graceful-timeout", "ROBYN_GRACEFUL_TIMEOUT", "SECS",
        "How long a stop waits for in-flight requests (default 10).", ParseSeconds);
    public static readonly NumberFlag<double> ShutdownDelay = new("--shutdown-delay", "ROBYN_SHUTDOWN_DELAY", "SECS",
        "After SIGTERM, keep serving for SECS while /ready answers 503 (so a load balancer stops sending), then stop "
        + "gracefully (default 0).", ParseSeconds) { FrontOnly = true };
    public static readonly NumberFlag<double> Timeout = new("--timeout", "ROBYN_TIMEOUT", "SECS",
        "Answer 504 when a request has no answer after SECS (default 30; 0: never); a route's timeout= wins.", ParseSeconds);
    public static readonly NumberFlag<int> MaxQueue = new("--max-queue", "ROBYN_MAX_QUEUE", "N",
        "Answer 503 + Retry-After when N requests already wait for a sync worker, or 8 x N run on the event loop "
        + "(default 128 x --workers; 0: unbounded).", (w, v) => ParseInt(w, v, 0, 1_000_000));
    public static readonly NumberFlag<double> WsPingInterval = new("--ws-ping-interval", "ROBYN_WS_PING_INTERVAL", "SECS",
        "How often websockets are pinged (default 20; 0: never).", ParseSeconds);
    public static readonly NumberFlag<double> WsPingTimeout = new("--ws-ping-timeout", "ROBYN_WS_PING_TIMEOUT", "SECS",
        "How long a ping waits for its pong before the connection is dropped (default 20; 0: never).", ParseSeconds);
    public static readonly SwitchFlag Dev = new("--dev", "ROBYN_DEV_MODE",
        "Development mode: restart when the app's .py files change, tracebacks in 500 responses.");
    public static readonly SwitchFlag Compression = new("--compression", "ROBYN_COMPRESSION",
        "Compress responses (Brotli or gzip, as the client accepts).");
    // Robyn calls it client_timeout (app.start's argument); uvicorn has no such limit, gunicorn none by that name.
    public static readonly NumberFlag<double> HeaderTimeout = new("--header-timeout", "ROBYN_HEADER_TIMEOUT", "SECS",
        "How long a client may take to send a request's headers, else 408 and the connection is closed (default 30; "
        + "app.start(client_timeout=)).", ParseTimeout)
        { Alias = "--client-timeout", EnvAlias = "ROBYN_CLIENT_TIMEOUT" };
    public static readonly NumberFlag<double> KeepAliveTimeout = new("--keep-alive-timeout", "ROBYN_KEEP_ALIVE_TIMEOUT", "SECS",
        "How long an idle keep-alive connection stays open (default 20; app.start(keep_alive_timeout=)).", ParseTimeout);
    public static readonly NumberFlag<int> MaxConnections = new("--max-connections", "ROBYN_MAX_CONNECTIONS", "N",
        "Open connections at most (and as many websockets); one more is closed at once, unanswered (default: unbounded).",
        (w, v) => ParseInt(w, v, 1, int.MaxValue)) { FrontOnly = true };
    public static readonly NumberFlag<int> Backlog = new("--backlog", "ROBYN_BACKLOG", "N",
        "Connections the kernel queues before they are accepted (listen(2)'s backlog, capped by net.core.somaxconn; "
        + "default 512).", (w, v) => ParseInt(w, v, 1, 65535)) { FrontOnly = true };
    public static readonly TextFlag RootPath = new("--root-path", "ROBYN_ROOT_PATH", "PATH",
        "The prefix a proxy mounts the app under (/api): a request for /api/x is routed as /x (a path without the prefix "
        + "is served as is).", (w, v) => NormaliseRootPath(w, v));
    // As Robyn: any non-empty ROBYN_BROWSER_OPEN opens it.
    public static readonly SwitchFlag OpenBrowser = new("--open-browser", "ROBYN_BROWSER_OPEN",
        "Open the app in a browser once it is listening.", text => text.Trim().Length > 0);
    public static readonly TextFlag SslCertFile = new("--ssl-certfile", "ROBYN_SSL_CERTFILE", "PATH",
        "Serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate; intermediates may follow it in the same file.")
        { FrontOnly = true };
    public static readonly TextFlag SslKeyFile = new("--ssl-keyfile", "ROBYN_SSL_KEYFILE", "PATH",
        "The certificate's PEM private key (unencrypted).") { FrontOnly = true };
    public static readonly TextFlag ForwardedAllowIps = new("--forwarded-allow-ips", "FORWARDED_ALLOW_IPS", "LIST",
        "Proxies whose X-Forwarded-For/-Proto are believed: IPs and CIDRs, comma-separated, or * for any (default 127.0.0.1).",
        (w, v) => { Web.ForwardedTrust.Parse(v, w); return v; }) { FrontOnly = true };
    public static readonly TextFlag HealthPath = new("--health-path", "ROBYN_HEALTH_PATH", "PATH",
        "Where the gateway answers health checks itself: PATH/live, PATH/ready (default /__robyn/health).",
        (w, v) => Web.HealthEndpoints.Normalise(v, w)) { FrontOnly = true };
    public static readonly NumberFlag<double> HangTimeout = new("--hang-timeout", "ROBYN_HANG_TIMEOUT", "SECS",
        "Python making no progress this long (a handler that keeps the GIL, a blocked event loop) is a hang: logged, "
        + "ready fails, live fails after twice as long; a worker of --processes is replaced (default 30; 0: off).",
        ParseHangTimeout);

    public static readonly NumberFlag<int> MetricsPort = new("--metrics-port", "ROBYN_METRICS_PORT", "PORT",
        "Serve Prometheus metrics at /metrics on this port (same host; with --processes, every worker's series, "
        + "labelled by worker).", (w, v) => ParseInt(w, v, 1, 65535));
    public static readonly TextFlag OtlpEndpoint = new("--otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "URL",
        "Export traces over OTLP/HTTP to URL (e.g. http://collector:4318); the other OTEL_* variables work too.",
        (w, v) => Uri.TryCreate(v, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https"
            ? v : throw new UsageException($"{w} {v}: expected an http:// or https:// address, e.g. http://localhost:4318."));
    // The variable says whether the log is on (ROBYN_ACCESS_LOG=false turns it off), the flag turns it off.
    public static readonly SwitchFlag NoAccessLog = new("--no-access-log", "ROBYN_ACCESS_LOG",
        "No line per request (default: one at INFO, logger RobynGateway.AccessLog; ROBYN_ACCESS_LOG=false; "
        + "Robyn:AccessLog in appsettings.json).",
        text => !ParseOnOff("ROBYN_ACCESS_LOG", text)) { ConfigKey = "AccessLog" };
    public static readonly TextFlag LogFormat = new("--log-format", "ROBYN_LOG_FORMAT", "FORMAT",
        "text or json: Serilog's compact JSON, one object per line (default text).",
        (w, v) => v.Trim().ToLowerInvariant() is "text" or "json" ? v.Trim().ToLowerInvariant()
            : throw new UsageException($"{w} {v}: use text or json."));

    public static readonly TextFlag Broadcast = new("--broadcast", "ROBYN_BROADCAST", "URL",
        "Share websockets (active_connections, send_to, broadcast, close) with every instance on this Redis: "
        + "redis://[user:password@]host[:port][/db] or rediss://.",
        (w, v) => { RobynGateway.Broadcast.BroadcastUrl.Parse(v, w); return v; });

    /// <summary>Worker mode (started by a front process, never by users): the Unix socket to serve on.</summary>
    public static readonly TextFlag WorkerSocket = new("--worker-socket", null, "PATH",
        "(internal) A worker's socket.") { Internal = true };
    /// <summary>Worker mode: the front's pid; the worker stops when that process is gone.</summary>
    public static readonly NumberFlag<int> WorkerOf = new("--worker-of", null, "PID",
        "(internal) A worker's front.", (w, v) => ParseInt(w, v, 1, int.MaxValue)) { Internal = true };
    /// <summary>The front's own image (Workers/FrontExec): what the app file asked for, so the front starts no Python.</summary>
    public static readonly TextFlag FrontPlan = new("--front-plan", null, "JSON",
        "(internal) The front of --processes, from the app already read.") { Internal = true };

    /// <summary>Worker mode with --balance kernel: the listening descriptors it inherited from its front, to accept on.</summary>
    public static readonly TextFlag ListenFds = new("--listen-fds", null, "FDS",
        "(internal) A worker's inherited listening sockets.") { Internal = true };

    public static readonly IReadOnlyList<GatewayFlag> All =
    [
        Host, Port, UnixSocket, Processes, Balance, MaxRequests, Workers, LogLevel, Python, GracefulTimeout, ShutdownDelay, Timeout, MaxQueue,
        WsPingInterval, WsPingTimeout, Dev, Compression, HeaderTimeout, KeepAliveTimeout, MaxConnections, Backlog, RootPath, OpenBrowser,
        SslCertFile, SslKeyFile, ForwardedAllowIps, HealthPath, HangTimeout, MetricsPort, OtlpEndpoint, NoAccessLog, LogFormat, Broadcast,
        WorkerSocket, WorkerOf, FrontPlan, ListenFds,
    ];

    /// <summary>"/api/" and "api" are "/api"; "/" is none (null is not allowed: "").</summary>
    internal static string NormaliseRootPath(string what, string value)
    {
        var path = value.Trim().Trim('/');
        if (path.Contains('?') || path.Contains('#') || path.Contains("//", StringComparison.Ordinal) || path.Any(char.IsWhiteSpace))
            throw new UsageException($"{what} {value}: expected a path prefix such as /api.");
        return path.Length == 0 ? "" : "/" + path;
    }

    /// <summary>
    /// Robyn's own flags (its argparse Config reads them in the app): passed on, and never taken for a
    /// mistyped gateway option (<c>--fast</c> is one letter from nothing, but two from --host).
    /// </summary>
    public static readonly IReadOnlySet<string> RobynAppFlags = new HashSet<string>(StringComparer.Ordinal)
    {
        "--fast", "--disable-openapi", "--docs", "--create", "--compile-rust-path", "--create-rust-file",
    };
}
