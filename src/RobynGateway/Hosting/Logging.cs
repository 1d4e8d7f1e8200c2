using Serilog;
using Serilog.Configuration;
using Serilog.Events;

namespace RobynGateway.Hosting;

/// <summary>Serilog to the console, at the level <c>--log-level</c> names.</summary>
internal static class Logging
{
    // Above Fatal: a logger at this level is disabled for every level, Critical included.
    const LogEventLevel Off = LogEventLevel.Fatal + 1;

    public static void Configure(string level)
    {
        var minimum = LogLevels.ToSerilog(level);
        // ASP.NET Core's own chatter stays at Warning unless the user asked for DEBUG.
        var framework = minimum <= LogEventLevel.Debug ? LogEventLevel.Debug : LogEventLevel.Warning;
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .MinimumLevel.Override("Microsoft", framework)
            .MinimumLevel.Override("System", framework)
            // "Now listening on ...", "Application is shutting down...": what a user watches for.
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", minimum)
            // The host logs start failures with a stack trace; Program reports them in one line instead.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal)
            // YARP logs two lines per proxied request at Information.
            .MinimumLevel.Override("Yarp", framework)
            // The request-timeouts middleware logs each 504 as a warning with a stack trace; our
            // timeout response logs its own line naming the route.
            .MinimumLevel.Override("Microsoft.AspNetCore.Http.Timeouts", LogEventLevel.Error)
            // Hosting's per-request diagnostics: while this logger is enabled at all (even for
            // Critical only), every request gets an Activity and a logging scope. Its only lines
            // are the Information-level "Request starting/finished", so it is off unless DEBUG.
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", framework <= LogEventLevel.Debug ? framework : Off);
        // Client faults (resets, bad requests, aborted handshakes) become Debug lines without a trace.
        var console = LoggerSinkConfiguration.Wrap(sink => new ClientFaults(sink, minimum), to => to.Console(
            outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] " + Process() + "{SourceContext}: {Message:lj}{NewLine}{Exception}"));
        Log.Logger = config.WriteTo.Sink(console).CreateLogger();
    }

    /// <summary>A worker of <c>--processes N</c> says which one it is: "w2 ".</summary>
    static string Process() =>
        Environment.GetEnvironmentVariable("ROBYN_WORKER_SLOT") is { Length: > 0 } slot ? $"w{slot} " : "";
}
