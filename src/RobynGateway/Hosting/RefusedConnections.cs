using Serilog.Core;
using Serilog.Events;

namespace RobynGateway.Hosting;

/// <summary>
/// <c>--max-connections</c>: Kestrel logs a warning for every connection it refuses past the limit,
/// so a flood of 10,000 connections was 10,000 lines. This sink wrapper counts them instead and
/// logs one line a second while they go on, as <c>--max-queue</c>'s 503s are logged
/// (Routing/QueueGuard): "Refused 37 connection(s) in the last second: ...". Every refusal is still
/// counted in Kestrel's <c>kestrel.rejected_connections</c> metric. Only Warning events are looked
/// at, so the access log's Information lines pass with one comparison.
/// </summary>
internal sealed class RefusedConnections : ILogEventSink, IDisposable
{
    const string KestrelConnections = "Microsoft.AspNetCore.Server.Kestrel.Connections";
    const string Rejected = "ConnectionRejected";

    readonly ILogEventSink _inner;
    readonly Timer _report;
    int _refused, _armed;

    public RefusedConnections(ILogEventSink inner)
    {
        _inner = inner;
        _report = new Timer(_ => Report());
    }

    public void Emit(LogEvent e)
    {
        if (e.Level != LogEventLevel.Warning || !IsRefusal(e))
        {
            _inner.Emit(e);
            return;
        }
        Interlocked.Increment(ref _refused);
        // The first refusal of a quiet second arms a one-shot report a second later.
        if (Interlocked.Exchange(ref _armed, 1) == 0) _report.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
    }

    static bool IsRefusal(LogEvent e) =>
        e.Properties.GetValueOrDefault("SourceContext") is ScalarValue { Value: KestrelConnections }
        && e.Properties.GetValueOrDefault("EventId") is StructureValue id
        && id.Properties.Any(p => p.Name == "Name" && p.Value is ScalarValue { Value: Rejected });

    void Report()
    {
        Volatile.Write(ref _armed, 0);
        var count = Interlocked.Exchange(ref _refused, 0);
        if (count > 0)
            Serilog.Log.ForContext(Constants.SourceContextPropertyName, "RobynGateway").Warning(
                "Refused {Count} connection(s) in the last second: --max-connections were already open", count);
    }

    public void Dispose() => _report.Dispose();
}
