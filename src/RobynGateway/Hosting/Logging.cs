using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Configuration;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace RobynGateway.Hosting;

/// <summary>
/// Serilog to the console, at the level <c>--log-level</c> names, as text or (<c>--log-format
/// json</c>) Serilog's compact JSON: one object per line, <c>@t</c> ISO 8601 UTC, <c>@m</c> the
/// message, <c>@l</c> the level (absent for Information, as compact JSON has it), <c>@x</c> the
/// exception, <c>SourceContext</c> the logger, <c>RequestId</c> on records made during a request,
/// <c>@tr</c>/<c>@sp</c> when a trace is under way. A <c>Serilog</c> section in appsettings.json
/// (beside the app, or the binary's) is read last, so its levels, overrides and sinks win.
/// </summary>
internal static class Logging
{
    /// <summary>JSON lines: records made during a request carry its id (RequestIdLogContext).</summary>
    public static volatile bool Json;

    // Above Fatal: a logger at this level is disabled for every level, Critical included.
    const LogEventLevel Off = LogEventLevel.Fatal + 1;

    public static void Configure(string level, string format = "text", IConfiguration? settings = null)
    {
        WholeLines();
        var minimum = LogLevels.ToSerilog(level);
        // ASP.NET Core's own chatter stays at Warning unless the user asked for DEBUG.
        var framework = minimum <= LogEventLevel.Debug ? LogEventLevel.Debug : LogEventLevel.Warning;
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .MinimumLevel.Override("Microsoft", framework)
            .MinimumLevel.Override("System", framework)
            // "Now listening on ...", "Application started", "Content root path": StartBanner says
            // where and what in one line instead (they show with the rest at DEBUG).
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", framework)
            // The host logs start failures with a stack trace; Program reports them in one line instead.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal)
            // YARP logs two lines per proxied request at Information.
            .MinimumLevel.Override("Yarp", framework)
            // The request-timeouts middleware logs each 504 as a warning with a stack trace; our
            // timeout response logs its own line naming the route.
            .MinimumLevel.Override("Microsoft.AspNetCore.Http.Timeouts", LogEventLevel.Error)
            // HealthChecks logs every unhealthy check of every probe as an error: a probe each few
            // seconds during a drain or an outage. robyn.health logs what went wrong with the app's checks.
            .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", framework <= LogEventLevel.Debug ? framework : Off)
            // Hosting's per-request diagnostics: while this logger is enabled at all (even for
            // Critical only), every request gets an Activity and a logging scope. Its only lines
            // are the Information-level "Request starting/finished", so it is off unless DEBUG.
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", framework <= LogEventLevel.Debug ? framework : Off)
            .Enrich.FromLogContext()
            .Enrich.With<Observability.RequestIdEnricher>();
        Json = format == "json";
        if (Json && Process() is { Length: > 0 } worker) config.Enrich.WithProperty("Worker", worker.TrimEnd());
        // Client faults (resets, bad requests, aborted handshakes) become Debug lines without a
        // trace; connections refused at --max-connections one line a second.
        var console = LoggerSinkConfiguration.Wrap(sink => new RefusedConnections(new ClientFaults(sink, minimum)), to =>
        {
            if (Json) to.Console(new RenderedCompactJsonFormatter());
            else to.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] " + Process() + "{SourceContext}: {Message:lj}{NewLine}{Exception}");
        });
        config.WriteTo.Sink(console);
        if (settings?.GetSection("Serilog").Exists() == true) config.ReadFrom.Configuration(settings, SettingsReader());
        Log.Logger = config.CreateLogger();
    }

    /// <summary>
    /// Where a Serilog section's names (sinks, enrichers) are looked up. The JIT-compiled gateway
    /// finds them by scanning its assemblies, as Serilog does by default; the NativeAOT image
    /// (Workers/FrontExec) has no assembly files to scan, so it names the Serilog assemblies it was
    /// built with (kept whole by the project file).
    /// </summary>
    static Serilog.Settings.Configuration.ConfigurationReaderOptions SettingsReader() =>
        System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported
            ? new()
            : new(typeof(Log).Assembly, typeof(ConsoleLoggerConfigurationExtensions).Assembly,
                typeof(FileLoggerConfigurationExtensions).Assembly, typeof(RenderedCompactJsonFormatter).Assembly,
                typeof(Serilog.Settings.Configuration.ConfigurationReaderOptions).Assembly);

    static bool _wholeLines;

    /// <summary>
    /// The workers of <c>--processes</c> share the front's stdout. Console's own writer flushes
    /// every 256 characters, so two processes' long lines (a JSON access line is ~500) interleave
    /// mid-line; with a 64 KiB buffer each record leaves in one write(2), which a pipe keeps whole
    /// up to 4 KiB.
    /// </summary>
    static void WholeLines()
    {
        if (_wholeLines || Console.IsOutputRedirected is false) return;
        _wholeLines = true;
        Console.SetOut(new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = true });
    }

    /// <summary>A worker of <c>--processes N</c> says which one it is: "w2 ".</summary>
    static string Process() =>
        Environment.GetEnvironmentVariable("ROBYN_WORKER_SLOT") is { Length: > 0 } slot ? $"w{slot} " : "";
}
