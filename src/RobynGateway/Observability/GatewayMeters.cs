using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RobynGateway.Observability;

/// <summary>
/// Our own series, beside ASP.NET Core's and Kestrel's (<c>--metrics-port</c>; names follow
/// OpenTelemetry's conventions: dotted, seconds for durations; Prometheus shows them as
/// <c>robyn_python_duration_seconds</c>, ...). An instrument nobody listens to is disabled, and
/// recording into it returns at once, so with metrics off the request path pays one branch.
/// Labels are bounded: the route is the Robyn pattern (or <c>(none)</c> when no route matched),
/// never the path.
/// </summary>
internal static class GatewayMeters
{
    public const string Name = "RobynGateway";
    static readonly Meter Meter = new(Name);

    static readonly Histogram<double> PythonDuration = Meter.CreateHistogram<double>("robyn.python.duration", "s",
        "Time a request spent running in Python (hooks, handler, a stream's items), by route");
    static readonly Histogram<double> PythonWait = Meter.CreateHistogram<double>("robyn.python.wait", "s",
        "Time a request waited for a Python thread (sync queue, event loop, GIL) before running, by route");
    static readonly Counter<long> Rejected = Meter.CreateCounter<long>("robyn.overload.rejected", "{request}",
        "Requests answered 503 because the queue bound (--max-queue) was reached");
    static readonly Counter<long> TimedOut = Meter.CreateCounter<long>("robyn.request.timeouts", "{request}",
        "Requests answered 504 by the request timeout (--timeout, a route's timeout=)");
    static readonly Counter<long> Restarts = Meter.CreateCounter<long>("robyn.worker.restarts", "{restart}",
        "Worker processes of --processes replaced, by cause: exit, hang, unresponsive, max_requests");
    /// <summary>Seconds, from a millisecond up: a loop's lag and a stream's life are both in that range.</summary>
    static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    };
    static readonly Histogram<double> LoopLag = Meter.CreateHistogram("robyn.loop.lag", "s",
        "How late the app's asyncio loop ran a timer due every half second: what an async request waits for the loop", advice: Seconds);
    static readonly Histogram<double> StreamDuration = Meter.CreateHistogram("robyn.stream.duration", "s",
        "Time from a streaming response's first chunk to its last, by route (streams that ended)", advice: Seconds);
    static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>("robyn.websocket.messages.received", "{message}",
        "Websocket messages received from clients, by endpoint (http.route)");
    static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>("robyn.websocket.messages.sent", "{message}",
        "Websocket messages sent to clients, by endpoint (http.route)");
    static readonly Counter<long> Hangs = Meter.CreateCounter<long>("robyn.python.hangs", "{hang}",
        "Times Python made no progress for --hang-timeout");

    /// <summary>Whether any listener wants per-request figures (RequestTiming then takes timestamps).</summary>
    public static bool Timing => PythonDuration.Enabled;

    public static void RecordPython(string? route, long pythonTicks, long waitTicks)
    {
        if (!PythonDuration.Enabled) return;
        var tag = new KeyValuePair<string, object?>("http.route", route ?? "(none)");
        PythonDuration.Record(pythonTicks / (double)Stopwatch.Frequency, tag);
        PythonWait.Record(waitTicks / (double)Stopwatch.Frequency, tag);
    }

    public static void RecordLoopLag(double seconds) => LoopLag.Record(seconds);

    /// <summary>Whether a stream should take the two timestamps of <see cref="RecordStream"/>.</summary>
    public static bool StreamTiming => StreamDuration.Enabled;

    public static void RecordStream(string? route, long firstChunk) =>
        StreamDuration.Record(Stopwatch.GetElapsedTime(firstChunk).TotalSeconds, new KeyValuePair<string, object?>("http.route", route ?? "(none)"));

    public static void MessageReceived(string endpoint)
    {
        if (MessagesReceived.Enabled) MessagesReceived.Add(1, new KeyValuePair<string, object?>("http.route", endpoint));
    }

    public static void MessageSent(string endpoint)
    {
        if (MessagesSent.Enabled) MessagesSent.Add(1, new KeyValuePair<string, object?>("http.route", endpoint));
    }

    public static void Overloaded() => Rejected.Add(1);
    public static void RequestTimedOut(string route) => TimedOut.Add(1, new KeyValuePair<string, object?>("http.route", route));
    public static void WorkerRestarted(string cause) => Restarts.Add(1, new KeyValuePair<string, object?>("cause", cause));
    public static void Hang() => Hangs.Add(1);

    /// <summary>Gauges read when scraped: what the process holds now.</summary>
    public static void Observe(Python.PythonApp app, WebSockets.WebSocketHub? sockets)
    {
        Meter.CreateObservableGauge("robyn.sync.queue.depth", () => app.SyncWaiting, "{request}",
            "Requests waiting for a sync worker (--workers)");
        Meter.CreateObservableGauge("robyn.loop.calls", () => app.OnLoop, "{call}",
            "Async handler and hook calls on the event loop, not yet finished");
        if (sockets is not null)
            Meter.CreateObservableGauge("robyn.websockets.active", () => sockets.Count, "{connection}",
                "Open websocket connections");
    }
}
