using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace RobynGateway.Hosting;

/// <summary>
/// The settings the gateway runs with, resolved once at start-up. Precedence, highest first:
/// the command line, the environment (ROBYN_HOST / ROBYN_PORT, as in Robyn), the app's
/// <c>app.start(...)</c> arguments, the defaults.
/// </summary>
internal sealed record GatewayOptions
{
    public const string AppPathKey = "Robyn:App";
    /// <summary>Host configuration's twin of <c>--compression</c>, for hosts that pass no command line (the tests).</summary>
    public const string CompressionKey = "Robyn:Compression";
    public const int DefaultMaxPayloadSize = 1_000_000;

    public required string AppPath { get; init; }
    public IReadOnlyList<string> AppArgs { get; init; } = [];
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8080;
    public int Processes { get; init; } = 1;
    public int Workers { get; init; } = 1;
    public string LogLevel { get; init; } = "INFO";
    public string? Python { get; init; }
    public bool Dev { get; init; }
    public bool Compression { get; init; }
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public long MaxPayloadSize { get; init; } = DefaultMaxPayloadSize;
    public long MaxRequests { get; init; }
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

    /// <summary>What is known before the app file runs: the command line and the environment.</summary>
    public static GatewayOptions FromCommandLine(CommandLine cli, IConfiguration config, Func<string, string?> env)
    {
        var appPath = cli.AppPath ?? config[AppPathKey]
            ?? throw new UsageException("No app given. Usage: RobynGateway app.py [options] (see --help).");
        var full = Path.GetFullPath(appPath);
        if (!File.Exists(full))
            throw new UsageException($"App file not found: {full}. Pass the path of your Robyn app, e.g. examples/hello/app.py.");
        var (certFile, keyFile) = TlsSetup.CheckFiles(cli.SslCertFile, cli.SslKeyFile);

        return new GatewayOptions
        {
            AppPath = full,
            AppArgs = cli.AppArgs,
            Host = cli.Host ?? NonEmpty(env("ROBYN_HOST")) ?? "127.0.0.1",
            Port = cli.Port ?? (NonEmpty(env("ROBYN_PORT")) is { } p ? CommandLine.ParseInt("ROBYN_PORT", p, 0, 65535) : 8080),
            Processes = cli.Processes ?? 1,
            Workers = cli.Workers ?? 1,
            LogLevel = cli.LogLevel ?? "INFO",
            Python = cli.Python,
            Dev = cli.Dev || env("ROBYN_DEV_MODE") is "true" or "True" or "1",
            Compression = cli.Compression || string.Equals(config[CompressionKey], "true", StringComparison.OrdinalIgnoreCase),
            GracefulTimeout = TimeSpan.FromSeconds(cli.GracefulTimeout ?? 10),
            MaxRequests = cli.MaxRequests ?? 0,
            WorkerSocket = cli.WorkerSocket,
            WorkerOf = cli.WorkerOf,
            WsPingInterval = TimeSpan.FromSeconds(cli.WsPingInterval ?? 20),
            WsPingTimeout = TimeSpan.FromSeconds(cli.WsPingTimeout ?? 20),
            MaxPayloadSize = NonEmpty(env("ROBYN_MAX_PAYLOAD_SIZE")) is { } m
                ? long.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) && max > 0 && max <= Array.MaxLength
                    ? max
                    : throw new UsageException($"ROBYN_MAX_PAYLOAD_SIZE={m}: expected a number of bytes from 1 to {Array.MaxLength} (bodies are read into one buffer).")
                : DefaultMaxPayloadSize,
            SslCertFile = certFile,
            SslKeyFile = keyFile,
            ForwardedTrust = cli.ForwardedAllowIps is { } allow ? Web.ForwardedTrust.Parse(allow, "--forwarded-allow-ips")
                : NonEmpty(env("FORWARDED_ALLOW_IPS")) is { } allowEnv ? Web.ForwardedTrust.Parse(allowEnv, "FORWARDED_ALLOW_IPS")
                : Web.ForwardedTrust.Default,
            HealthPath = cli.HealthPath ?? (NonEmpty(env("ROBYN_HEALTH_PATH")) is { } health
                ? Web.HealthEndpoints.Normalise(health, "ROBYN_HEALTH_PATH") : Web.HealthEndpoints.DefaultPath),
        };
    }

    /// <summary>Fills what the command line and environment left open from the app's start() call.</summary>
    public GatewayOptions WithAppStart(CommandLine cli, Func<string, string?> env, Python.StartArgs start) => this with
    {
        Host = cli.Host ?? NonEmpty(env("ROBYN_HOST")) ?? start.Host ?? Host,
        Port = cli.Port ?? (NonEmpty(env("ROBYN_PORT")) is null ? start.Port ?? Port : Port),
        // A worker is one process of its front, whatever app.start(processes=...) says.
        Processes = IsWorker ? 1 : cli.Processes ?? start.Processes ?? Processes,
        Workers = cli.Workers ?? start.Workers ?? Workers,
    };

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
