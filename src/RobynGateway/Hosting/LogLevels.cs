using Serilog.Events;

namespace RobynGateway.Hosting;

/// <summary>Robyn's (Python's) level names, and how they map onto Serilog's.</summary>
internal static class LogLevels
{
    public static string? Normalise(string name) => name.Trim().ToUpperInvariant() switch
    {
        "DEBUG" => "DEBUG",
        "INFO" => "INFO",
        "WARN" or "WARNING" => "WARNING",
        "ERROR" => "ERROR",
        "CRITICAL" or "FATAL" => "CRITICAL",
        _ => null,
    };

    public static LogEventLevel ToSerilog(string normalised) => normalised switch
    {
        "DEBUG" => LogEventLevel.Debug,
        "WARNING" => LogEventLevel.Warning,
        "ERROR" => LogEventLevel.Error,
        "CRITICAL" => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };

    /// <summary>A Python logging level number (logging.INFO == 20, ...) as a Serilog level.</summary>
    public static LogEventLevel FromPython(long levelno) => levelno switch
    {
        >= 50 => LogEventLevel.Fatal,
        >= 40 => LogEventLevel.Error,
        >= 30 => LogEventLevel.Warning,
        >= 20 => LogEventLevel.Information,
        >= 10 => LogEventLevel.Debug,
        _ => LogEventLevel.Verbose,
    };
}
