using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace RobynGateway.Hosting;

/// <summary>
/// The settings the gateway runs with, resolved once at start-up. Precedence, highest first:
/// the command line, the environment (ROBYN_HOST / ROBYN_PORT, ... as in Robyn; the process's,
/// then robyn.env beside the app: <see cref="RobynEnvFile"/>), the app's code
/// (<c>app.start(...)</c> arguments and the Config it set), the defaults.
/// </summary>
internal sealed record GatewayOptions
{
    public const string AppPathKey = "Robyn:App";
    /// <summary>Host configuration's twin of <c>--compression</c>, for hosts that pass no command line (the tests).</summary>
    public const string CompressionKey = "Robyn:Compression";
    public const int DefaultMaxPayloadSize = 1_000_000;
    /// <summary>Robyn's <c>app.start(client_timeout=30, keep_alive_timeout=20)</c> defaults.</summary>
    public const double DefaultClientTimeout = 30, DefaultKeepAliveTimeout = 20;

    public required string AppPath { get; init; }
    public IReadOnlyList<string> AppArgs { get; init; } = [];
    /// <summary>The gateway options as given, and the arguments that are the app's alone (<see cref="CommandLine"/>).</summary>
    public IReadOnlyList<string> GatewayArgs { get; init; } = [];
    public IReadOnlyList<string> PassThrough { get; init; } = [];
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8080;
    /// <summary>--uds: the Unix socket to listen on instead of Host:Port (full path).</summary>
    public string? UnixSocket { get; init; }
    public int Processes { get; init; } = 1;
    /// <summary>
    /// Who spreads --processes' connections (<see cref="BalanceMode"/>): kernel (the default on Linux),
    /// the workers accept on the sockets the front opened and passed down (<see cref="Workers.SharedListener"/>);
    /// front, the front accepts and proxies.
    /// </summary>
    public BalanceMode Balance { get; init; } = BalanceMode.Choose(null, "", null, OperatingSystem.IsLinux());
    public bool KernelBalance => Balance.Kernel;
    /// <summary>A worker under --balance kernel: the inherited listening descriptors it serves the public on.</summary>
    public IReadOnlyList<int> ListenFds { get; init; } = [];
    /// <summary>A worker that serves the public itself (--balance kernel): TLS, proxy trust, timeouts are its own.</summary>
    public bool ServesPublic => !IsWorker || ListenFds.Count > 0;
    public int Workers { get; init; } = 1;
    public string LogLevel { get; init; } = "INFO";
    public string? Python { get; init; }
    public bool Dev { get; init; }
    public bool Compression { get; init; }
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long the listener keeps serving after SIGTERM, /ready answering 503, before the graceful stop.</summary>
    public TimeSpan ShutdownDelay { get; init; }
    /// <summary>Kestrel's RequestHeadersTimeout: how long a client may take to send a request's headers.</summary>
    public TimeSpan ClientTimeout { get; init; } = TimeSpan.FromSeconds(DefaultClientTimeout);
    /// <summary>Kestrel's KeepAliveTimeout: how long an idle keep-alive connection is kept open.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(DefaultKeepAliveTimeout);
    /// <summary>Kestrel's MaxConcurrentConnections (null: unbounded); the front's, or the one process's.</summary>
    public int? MaxConnections { get; init; }
    /// <summary>The listen backlog (null: Kestrel's 512); the front's, or the one process's.</summary>
    public int? Backlog { get; init; }
    /// <summary>The prefix a proxy mounts the app under, "/api" (""; none): stripped where the app runs.</summary>
    public string RootPath { get; init; } = "";
    public bool OpenBrowser { get; init; }
    public long MaxPayloadSize { get; init; } = DefaultMaxPayloadSize;
    public long MaxRequests { get; init; }
    /// <summary>
    /// How long a request may wait for its answer before the gateway answers 504 (Zero: never).
    /// 30 s, as gunicorn's worker timeout: long enough for any ordinary page, short enough that a
    /// stuck handler shows up as 504s rather than as connections that hang for ever.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(DefaultTimeout);
    public const double DefaultTimeout = 30;
    /// <summary>--max-queue as given (null: the default, <see cref="MaxQueue"/>).</summary>
    public int? MaxQueueSetting { get; init; }
    /// <summary>
    /// Sync requests that may wait for a worker (0: unbounded); 8 times as many may run on the loop.
    /// 128 per worker by default: with a fast handler (~0.1 ms) that is ~13 ms of queue, with a
    /// slow one (100 ms) ~13 s, still inside the 30 s timeout; more would only turn 503s into 504s.
    /// It stays above the 64 connections the benchmark opens, so a saturating load is not refused.
    /// </summary>
    public int MaxQueue => MaxQueueSetting ?? 128 * Workers;
    public int MaxOnLoop => MaxQueue == 0 ? 0 : (int)Math.Min(int.MaxValue, 8L * MaxQueue);
    public string? WorkerSocket { get; init; }
    public int? WorkerOf { get; init; }
    public bool IsWorker => WorkerSocket is not null;
    public TimeSpan WsPingInterval { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan WsPingTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Full paths of the PEM certificate and key; both set, or neither (plain HTTP).</summary>
    public string? SslCertFile { get; init; }
    public string? SslKeyFile { get; init; }
    public Web.ForwardedTrust ForwardedTrust { get; init; } = Web.ForwardedTrust.Default;
    public string HealthPath { get; init; } = Web.HealthEndpoints.DefaultPath;
    /// <summary>The interpreter watchdog's bound (<c>--hang-timeout</c>, default 30 s); zero is off, as for the TestClient's host.</summary>
    public TimeSpan HangTimeout { get; init; }
    public const double DefaultHangTimeout = 30;
    /// <summary>One line per request at INFO (<c>--no-access-log</c>, <c>ROBYN_ACCESS_LOG=false</c> turn it off).</summary>
    public bool AccessLog { get; init; } = true;
    /// <summary>Where /metrics is served (<c>--metrics-port</c>, <c>ROBYN_METRICS_PORT</c>); null: no metrics.</summary>
    public int? MetricsPort { get; init; }
    /// <summary><c>--otlp-endpoint</c>: where traces go (the OTEL_* variables also turn tracing on).</summary>
    public string? OtlpEndpoint { get; init; }
    /// <summary>"text" or "json" (<c>--log-format</c>, <c>ROBYN_LOG_FORMAT</c>).</summary>
    public string LogFormat { get; init; } = "text";
    /// <summary>
    /// <c>--broadcast</c> / ROBYN_BROADCAST: the Redis that links this instance's websockets with other
    /// instances' (null: off). A worker of <c>--processes</c> gets it too, but only its front connects.
    /// </summary>
    public Broadcast.BroadcastUrl? Broadcast { get; init; }

    /// <summary>What is known before the app file runs: the command line and the environment.</summary>
    public static GatewayOptions FromCommandLine(CommandLine cli, IConfiguration config, Func<string, string?> env)
    {
        var appPath = cli.AppPath ?? config[AppPathKey]
            ?? throw new UsageException("No app given. Usage: RobynGateway app.py [options] (see --help).");
        var full = Path.GetFullPath(appPath);
        if (!File.Exists(full))
            throw new UsageException($"App file not found: {full}. Pass the path of your Robyn app, e.g. examples/hello/app.py.");
        var (certFile, keyFile) = TlsSetup.CheckFiles(cli.Setting(GatewayFlags.SslCertFile, env), cli.Setting(GatewayFlags.SslKeyFile, env));

        return new GatewayOptions
        {
            AppPath = full,
            AppArgs = cli.AppArgs,
            GatewayArgs = cli.GatewayArgs,
            PassThrough = cli.PassThrough,
            Host = cli.Setting(GatewayFlags.Host, env) ?? "127.0.0.1",
            Port = cli.Setting(GatewayFlags.Port, env) ?? 8080,
            UnixSocket = cli.Setting(GatewayFlags.UnixSocket, env) is { } uds ? Path.GetFullPath(uds) : null,
            Processes = cli.Setting(GatewayFlags.Processes, env) ?? 1,
            Balance = BalanceMode.Choose(cli.Setting(GatewayFlags.Balance, env), cli.Get(GatewayFlags.Balance) is null ? "ROBYN_BALANCE=" : "--balance ",
                cli.Setting(GatewayFlags.MaxConnections, env), OperatingSystem.IsLinux()),
            ListenFds = cli.Get(GatewayFlags.ListenFds) is { } fds ? ParseFds(fds) : [],
            Workers = cli.Setting(GatewayFlags.Workers, env) ?? 1,
            LogLevel = cli.Setting(GatewayFlags.LogLevel, env) ?? "INFO",
            // ROBYN_PYTHON is PythonLocator's to read: it says which source chose the interpreter.
            Python = cli.Get(GatewayFlags.Python),
            Dev = IsDev(cli, env),
            Compression = cli.Setting(GatewayFlags.Compression, env)
                || string.Equals(config[CompressionKey], "true", StringComparison.OrdinalIgnoreCase),
            GracefulTimeout = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.GracefulTimeout, env) ?? 10),
            ShutdownDelay = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.ShutdownDelay, env) ?? 0),
            ClientTimeout = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.HeaderTimeout, env) ?? DefaultClientTimeout),
            KeepAliveTimeout = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.KeepAliveTimeout, env) ?? DefaultKeepAliveTimeout),
            MaxConnections = cli.Setting(GatewayFlags.MaxConnections, env),
            Backlog = cli.Setting(GatewayFlags.Backlog, env),
            RootPath = cli.Setting(GatewayFlags.RootPath, env) ?? "",
            OpenBrowser = cli.Setting(GatewayFlags.OpenBrowser, env),
            MaxRequests = cli.Setting(GatewayFlags.MaxRequests, env) ?? 0,
            Timeout = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.Timeout, env) ?? DefaultTimeout),
            MaxQueueSetting = cli.Setting(GatewayFlags.MaxQueue, env),
            WorkerSocket = cli.Get(GatewayFlags.WorkerSocket),
            WorkerOf = cli.Get(GatewayFlags.WorkerOf),
            WsPingInterval = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.WsPingInterval, env) ?? 20),
            WsPingTimeout = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.WsPingTimeout, env) ?? 20),
            MaxPayloadSize = NonEmpty(env("ROBYN_MAX_PAYLOAD_SIZE")) is { } m
                ? long.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) && max > 0 && max <= Array.MaxLength
                    ? max
                    : throw new UsageException($"ROBYN_MAX_PAYLOAD_SIZE={m}: expected a number of bytes from 1 to {Array.MaxLength} (bodies are read into one buffer).")
                : DefaultMaxPayloadSize,
            SslCertFile = certFile,
            SslKeyFile = keyFile,
            ForwardedTrust = cli.Setting(GatewayFlags.ForwardedAllowIps, env) is { } allow
                ? Web.ForwardedTrust.Parse(allow, cli.Get(GatewayFlags.ForwardedAllowIps) is null ? "FORWARDED_ALLOW_IPS" : "--forwarded-allow-ips")
                : Web.ForwardedTrust.Default,
            HealthPath = cli.Setting(GatewayFlags.HealthPath, env) ?? Web.HealthEndpoints.DefaultPath,
            HangTimeout = TimeSpan.FromSeconds(cli.Setting(GatewayFlags.HangTimeout, env) ?? DefaultHangTimeout),
            AccessLog = !cli.Setting(GatewayFlags.NoAccessLog, env),
            OtlpEndpoint = cli.Setting(GatewayFlags.OtlpEndpoint, env),
            MetricsPort = cli.Setting(GatewayFlags.MetricsPort, env),
            LogFormat = cli.Setting(GatewayFlags.LogFormat, env) ?? "text",
            Broadcast = cli.Setting(GatewayFlags.Broadcast, env) is { } url
                ? RobynGateway.Broadcast.BroadcastUrl.Parse(url, cli.Get(GatewayFlags.Broadcast) is null ? "ROBYN_BROADCAST" : "--broadcast")
                : null,
        };
    }

    /// <summary>--dev, or ROBYN_DEV_MODE (also from robyn.env) as Robyn reads it.</summary>
    public static bool IsDev(CommandLine cli, Func<string, string?> env) => cli.Setting(GatewayFlags.Dev, env);

    /// <summary>Fills what the command line and environment left open from the app's code: its start() call and Config.</summary>
    public GatewayOptions WithAppStart(CommandLine cli, Func<string, string?> env, Python.StartArgs start)
    {
        var resolved = FilledFromAppStart(cli, env, start);
        if (resolved.Processes > 1 && !resolved.IsWorker) BalanceMode.CheckAsked(resolved.Balance, resolved.MaxConnections);
        return resolved;
    }

    GatewayOptions FilledFromAppStart(CommandLine cli, Func<string, string?> env, Python.StartArgs start) => this with
    {
        Host = cli.Setting(GatewayFlags.Host, env) ?? start.Host ?? Host,
        Port = cli.Setting(GatewayFlags.Port, env) ?? start.Port ?? Port,
        // A worker is one process of its front, whatever app.start(processes=...) says.
        Processes = IsWorker ? 1 : cli.Setting(GatewayFlags.Processes, env) ?? Checked("processes", start.Processes) ?? Processes,
        Workers = cli.Setting(GatewayFlags.Workers, env) ?? Checked("workers", start.Workers) ?? Workers,
        LogLevel = cli.Setting(GatewayFlags.LogLevel, env) ?? (start.LogLevel is { } level ? LogLevels.Normalise(level) ?? throw new UsageException(
            $"log_level {level} in the app's Config: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL.") : LogLevel),
        ClientTimeout = cli.Setting(GatewayFlags.HeaderTimeout, env) is null && start.ClientTimeout is { } client
            ? TimeSpan.FromSeconds(CodeSeconds("client_timeout", client)) : ClientTimeout,
        KeepAliveTimeout = cli.Setting(GatewayFlags.KeepAliveTimeout, env) is null && start.KeepAliveTimeout is { } idle
            ? TimeSpan.FromSeconds(CodeSeconds("keep_alive_timeout", idle)) : KeepAliveTimeout,
        OpenBrowser = OpenBrowser || start.OpenBrowser,
        // Beyond Robyn: app.start(timeout=, max_queue=), below the flags and ROBYN_TIMEOUT / ROBYN_MAX_QUEUE.
        Timeout = cli.Setting(GatewayFlags.Timeout, env) is null && start.Timeout is { } limit
            ? (limit == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(CodeSeconds("timeout", limit))) : Timeout,
        MaxQueueSetting = cli.Setting(GatewayFlags.MaxQueue, env) is null && start.MaxQueue is { } queue
            ? (queue is >= 0 and <= 1_000_000 ? queue
                : throw new UsageException($"app.start(max_queue={queue}): expected a whole number from 0 (unbounded) to 1000000."))
            : MaxQueueSetting,
    };

    static int[] ParseFds(string text) => text.Split(',').Select(f =>
        int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) && fd >= 3 ? fd
            : throw new UsageException($"--listen-fds {text}: expected descriptors from 3 up, comma-separated.")).ToArray();

    static int? Checked(string name, int? fromCode) => fromCode is { } n && (n < 1 || n > 1024)
        ? throw new UsageException($"{name}={n} in the app's code: expected a whole number from 1 to 1024.")
        : fromCode;

    static double CodeSeconds(string name, double seconds) => seconds > 0 && seconds <= 86400
        ? seconds
        : throw new UsageException($"app.start({name}={seconds.ToString(CultureInfo.InvariantCulture)}): expected a number of seconds above 0 (at most 86400).");

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
