using System.Globalization;

namespace RobynGateway.Hosting;

/// <summary>What the user typed. Null means "not given", so lower-precedence sources can fill in.</summary>
internal sealed record CommandLine
{
    public string? AppPath { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public int? Processes { get; init; }
    public int? Workers { get; init; }
    public string? LogLevel { get; init; }
    public string? Python { get; init; }
    public bool Dev { get; init; }
    public bool Compression { get; init; }
    public bool OpenBrowser { get; init; }
    public double? ClientTimeout { get; init; }
    public double? KeepAliveTimeout { get; init; }
    public double? GracefulTimeout { get; init; }
    public double? WsPingInterval { get; init; }
    public double? WsPingTimeout { get; init; }
    public long? MaxRequests { get; init; }
    public double? Timeout { get; init; }
    public int? MaxQueue { get; init; }
    public double? HangTimeout { get; init; }
    public Broadcast.BroadcastUrl? Broadcast { get; init; }

    /// <summary>Worker mode (started by a front process, never by users): the Unix socket to serve on.</summary>
    public string? WorkerSocket { get; init; }

    /// <summary>Worker mode: the front's pid; the worker stops when that process is gone.</summary>
    public int? WorkerOf { get; init; }
    public string? SslCertFile { get; init; }
    public string? SslKeyFile { get; init; }
    public string? ForwardedAllowIps { get; init; }
    public string? HealthPath { get; init; }
    public bool Help { get; init; }

    /// <summary>Everything after the program name except the app path: the app's own sys.argv[1:].</summary>
    public IReadOnlyList<string> AppArgs { get; init; } = [];

    /// <summary>Unknown <c>--key=value</c> arguments, handed to ASP.NET's configuration (e.g. WebApplicationFactory's).</summary>
    public IReadOnlyList<string> HostingArgs { get; init; } = [];

    public const string Usage = """
        usage: RobynGateway app.py [options] [app arguments]

        Runs a Robyn app on ASP.NET Core (Kestrel). Only handlers and hooks run in Python.

        options:
          --host HOST              address to listen on (default 127.0.0.1; env ROBYN_HOST)
          --port PORT              port to listen on (default 8080; env ROBYN_PORT)
          --processes N            worker processes, each with its own interpreter, behind
                                   a front process (default 1: no front, no proxy hop)
          --max-requests K         with --processes: replace a worker after K requests
          --workers M              threads running sync handlers per process (default 1)
          --log-level LEVEL        DEBUG, INFO, WARNING, ERROR or CRITICAL (default INFO)
          --python PATH            the interpreter to embed (else ROBYN_PYTHON, an active
                                   virtualenv, then python3 on PATH)
          --graceful-timeout SECS  how long a stop waits for in-flight requests (default 10)
          --timeout SECS           answer 504 when a request has no answer after SECS (default
                                   30; 0: never; env ROBYN_TIMEOUT); a route's timeout= wins
          --max-queue N            answer 503 + Retry-After when N requests already wait for a
                                   sync worker, or 8 x N run on the event loop (default 128 x
                                   --workers; 0: unbounded; env ROBYN_MAX_QUEUE)
          --ws-ping-interval SECS  how often websockets are pinged (default 20; 0: never)
          --ws-ping-timeout SECS   how long a ping waits for its pong before the connection
                                   is dropped (default 20; 0: never)
          --dev                    development mode: restart when the app's .py files change,
                                   tracebacks in 500 responses
          --compression            compress responses (Brotli or gzip, as the client accepts)
          --client-timeout SECS    how long a client may take to send a request's headers
                                   (default 30; env ROBYN_CLIENT_TIMEOUT; app.start(client_timeout=))
          --keep-alive-timeout SECS  how long an idle keep-alive connection stays open (default
                                   20; env ROBYN_KEEP_ALIVE_TIMEOUT; app.start(keep_alive_timeout=))
          --open-browser           open the app in a browser once it is listening
                                   (env ROBYN_BROWSER_OPEN)
          --ssl-certfile PATH      serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate;
                                   intermediates may follow it in the same file
          --ssl-keyfile PATH       the certificate's PEM private key (unencrypted)
          --forwarded-allow-ips L  proxies whose X-Forwarded-For/-Proto are believed: IPs and
                                   CIDRs, comma-separated, or * for any (default 127.0.0.1;
                                   env FORWARDED_ALLOW_IPS)
          --health-path PATH       where the gateway answers health checks itself: PATH/live,
                                   PATH/ready (default /__robyn/health; env ROBYN_HEALTH_PATH)
          --hang-timeout SECS      Python making no progress this long (a handler that keeps
                                   the GIL, a blocked event loop) is a hang: logged, ready
                                   fails, live fails after twice as long; a worker of
                                   --processes is replaced (default 30; 0: off; env
                                   ROBYN_HANG_TIMEOUT)
          --broadcast URL          share websockets (active_connections, send_to, broadcast,
                                   close) with every instance using this Redis:
                                   redis://host:port/db (env ROBYN_BROADCAST)
          -h, --help               show this help

        Flags given here win over the environment (ROBYN_*, also read from robyn.env beside
        the app), which wins over the app's code (app.start(...) arguments, its Config).
        Other arguments are passed on to the app in sys.argv.
        """;

    static readonly HashSet<string> ValueFlags =
        ["--host", "--port", "--processes", "--workers", "--log-level", "--python", "--graceful-timeout",
            "--ws-ping-interval", "--ws-ping-timeout", "--max-requests", "--worker-socket", "--worker-of",
            "--ssl-certfile", "--ssl-keyfile", "--forwarded-allow-ips", "--health-path", "--client-timeout",
            "--keep-alive-timeout", "--timeout", "--max-queue", "--hang-timeout", "--broadcast"];

    /// <summary>Parses the arguments; throws <see cref="UsageException"/> with a message for the user.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new CommandLine();
        var appArgs = new List<string>();
        var hostingArgs = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (flag, inlineValue) = SplitFlag(arg);
            if (flag is "-h" or "--help")
            {
                result = result with { Help = true };
                continue;
            }
            if (flag == "--dev")
            {
                result = result with { Dev = true };
                appArgs.Add(arg);
                continue;
            }
            if (flag == "--compression")
            {
                result = result with { Compression = true };
                appArgs.Add(arg);
                continue;
            }
            if (flag == "--open-browser")
            {
                result = result with { OpenBrowser = true };
                appArgs.Add(arg);
                continue;
            }
            if (ValueFlags.Contains(flag))
            {
                var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{flag} needs a value."));
                result = Apply(result, flag, value);
                appArgs.Add(flag);
                appArgs.Add(value);
                continue;
            }
            if (result.AppPath is null && !arg.StartsWith('-'))
            {
                result = result with { AppPath = arg };
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal) && inlineValue is not null && result.AppPath is null)
                hostingArgs.Add(arg);
            else
                appArgs.Add(arg);
        }
        return result with { AppArgs = appArgs, HostingArgs = hostingArgs };
    }

    static (string Flag, string? Value) SplitFlag(string arg)
    {
        if (!arg.StartsWith("--", StringComparison.Ordinal)) return (arg, null);
        var eq = arg.IndexOf('=');
        return eq < 0 ? (arg, null) : (arg[..eq], arg[(eq + 1)..]);
    }

    static CommandLine Apply(CommandLine r, string flag, string value) => flag switch
    {
        "--host" => r with { Host = value },
        "--port" => r with { Port = ParseInt(flag, value, 0, 65535) },
        "--processes" => r with { Processes = ParseInt(flag, value, 1, 1024) },
        "--workers" => r with { Workers = ParseInt(flag, value, 1, 1024) },
        "--log-level" => r with { LogLevel = LogLevels.Normalise(value) ?? throw new UsageException(
            $"--log-level {value}: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL.") },
        "--python" => r with { Python = value },
        "--graceful-timeout" => r with { GracefulTimeout = ParseSeconds(flag, value) },
        "--ws-ping-interval" => r with { WsPingInterval = ParseSeconds(flag, value) },
        "--ws-ping-timeout" => r with { WsPingTimeout = ParseSeconds(flag, value) },
        "--max-requests" => r with { MaxRequests = ParseInt(flag, value, 1, int.MaxValue) },
        "--worker-socket" => r with { WorkerSocket = value },
        "--worker-of" => r with { WorkerOf = ParseInt(flag, value, 1, int.MaxValue) },
        "--ssl-certfile" => r with { SslCertFile = value },
        "--ssl-keyfile" => r with { SslKeyFile = value },
        "--forwarded-allow-ips" => r with { ForwardedAllowIps = value },
        "--health-path" => r with { HealthPath = Web.HealthEndpoints.Normalise(value, flag) },
        "--client-timeout" => r with { ClientTimeout = ParseTimeout(flag, value) },
        "--keep-alive-timeout" => r with { KeepAliveTimeout = ParseTimeout(flag, value) },
        "--timeout" => r with { Timeout = ParseSeconds(flag, value) },
        "--max-queue" => r with { MaxQueue = ParseInt(flag, value, 0, 1_000_000) },
        "--hang-timeout" => r with { HangTimeout = ParseHangTimeout(flag, value) },
        "--broadcast" => r with { Broadcast = RobynGateway.Broadcast.BroadcastUrl.Parse(value, flag) },
        _ => r,
    };

    internal static double ParseSeconds(string flag, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && s <= 86400
            ? s
            : throw new UsageException($"{flag} {value}: expected a number of seconds.");

    /// <summary>0 (off), or at least a second: a shorter one would call a busy moment a hang.</summary>
    internal static double ParseHangTimeout(string what, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && (s == 0 || s >= 1 && s <= 86400)
            ? s
            : throw new UsageException($"{what} {value}: expected 0 (off) or a number of seconds from 1 to 86400.");

    /// <summary>A Kestrel timeout: more than zero (Kestrel refuses zero), at most a day.</summary>
    internal static double ParseTimeout(string what, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 86400
            ? s
            : throw new UsageException($"{what} {value}: expected a number of seconds above 0 (at most 86400).");

    internal static int ParseInt(string what, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{what} {value}: expected a whole number from {min} to {max}.");
}

/// <summary>Bad command-line input; the message is printed as is, with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
