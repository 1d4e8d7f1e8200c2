using System.Diagnostics;
using RobynGateway.Python;
using Serilog;

namespace RobynGateway.Observability;

/// <summary>
/// Where a request's time went on the Python side: waiting for a Python thread (the sync queue, the
/// loop's queue, the GIL) and running there. <see cref="PythonCall"/> takes the timestamps, but only
/// while <see cref="On"/> (the access log or metrics want them): off, the request path pays one
/// static read per stage. The request side hands the sums on before the pooled call is returned.
/// </summary>
internal static class RequestTiming
{
    /// <summary>Set once at start-up, before the first request.</summary>
    public static volatile bool On;

    /// <summary>Set once at start-up when the access log is on: the line's properties come from here.</summary>
    public static IDiagnosticContext? AccessLog;

    static readonly double MillisecondsPerTick = 1000.0 / Stopwatch.Frequency;

    public static double Milliseconds(long ticks) => ticks * MillisecondsPerTick;

    /// <summary>On the request side, once Python's part of the request is over (before the call goes back to its pool).</summary>
    public static void Record(PythonCall call)
    {
        if (!On) return;
        GatewayMeters.RecordPython(call.Route?.Pattern, call.PythonTicks, call.WaitTicks);
        if (AccessLog is { } line)
        {
            line.Set("PythonMs", Math.Round(Milliseconds(call.PythonTicks), 3));
            line.Set("WaitMs", Math.Round(Milliseconds(call.WaitTicks), 3));
        }
    }
}
