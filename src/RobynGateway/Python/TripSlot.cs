using System.Diagnostics;

namespace RobynGateway.Python;

/// <summary>
/// What one of our Python-running threads is doing, for the watchdog (<see cref="InterpreterWatch"/>)
/// to read without the GIL: the route it runs and since when, or nothing. The owning thread writes
/// it around each trip into Python: a timestamp and two fields, no allocation, no lock. A reader may
/// see the route of one call with the start of the next; it only names a culprit in a log line.
/// </summary>
internal sealed class TripSlot(string thread)
{
    RouteEntry? _route;
    CallStage _stage;
    long _since; // Stopwatch timestamp; 0 while the thread is not in Python

    /// <summary>How log lines name the thread: "sync worker 0".</summary>
    public string Thread { get; } = thread;

    public void Begin(PythonCall call)
    {
        _route = call.Route;
        _stage = call.Stage;
        Volatile.Write(ref _since, Stopwatch.GetTimestamp());
    }

    public void End() => Volatile.Write(ref _since, 0);

    /// <summary>When the trip under way began (0: none), and what it runs, e.g. <c>GET /users/:id</c>.</summary>
    public (long Since, string What) Read()
    {
        var since = Volatile.Read(ref _since);
        var route = _route;
        var what = _stage switch
        {
            CallStage.Before => $"the before_request hooks of {Describe(route)}",
            CallStage.After => $"the after_request hooks of {Describe(route)}",
            CallStage.Hooked => $"{Describe(route)} with its hooks",
            CallStage.Socket => "a websocket handler",
            _ => Describe(route),
        };
        return (since, what);
    }

    static string Describe(RouteEntry? route) => route?.ToString() ?? "a path without a route";
}
