using Serilog.Core;
using Serilog.Events;

namespace RobynGateway.Observability;

/// <summary>
/// Puts the request's id on every record logged in its async flow (JSON logs only). It replaces
/// rather than adds: ASP.NET Core's log scope already has a <c>RequestId</c> (its connection-based
/// trace identifier, taken before our middleware ran), and ours must be the one in the line.
/// </summary>
internal sealed class RequestIdEnricher : ILogEventEnricher
{
    static readonly AsyncLocal<LogEventProperty?> Current = new();

    /// <summary>In the request's middleware: visible to everything it awaits, gone when it returns.</summary>
    public static void Set(string id) => Current.Value = new LogEventProperty("RequestId", new ScalarValue(id));

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
    {
        if (Current.Value is { } id) logEvent.AddOrUpdateProperty(id);
    }
}
