using System.Collections.Concurrent;
using System.Diagnostics;

namespace RobynGateway.Http;

/// <summary>
/// Keeps a route that fails on every request from filling the disk with tracebacks: the first
/// failure of a kind (route and exception type) in a window is logged whole; the same failure
/// again within the window is only counted, and the count goes out with the next one logged.
/// A failure is rare by design, so this runs only on the error path; the table is bounded so
/// that many kinds of failure cannot grow it without end (past the bound, everything is logged).
/// </summary>
internal sealed class ErrorLogLimiter(TimeSpan window, int maxKinds = 1024)
{
    public static readonly ErrorLogLimiter Shared = new(TimeSpan.FromSeconds(10));

    sealed class Kind
    {
        public long WindowStart;
        public int Suppressed;
    }

    readonly ConcurrentDictionary<(string Route, string Exception), Kind> _kinds = new();
    readonly long _windowTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// Whether to log this failure now; <paramref name="suppressed"/> is how many of the same kind
    /// were counted but not logged since the last one that was.
    /// </summary>
    public bool ShouldLog(string route, string? traceback, out int suppressed)
    {
        suppressed = 0;
        var key = (route, ExceptionType(traceback));
        if (!_kinds.TryGetValue(key, out var kind))
        {
            if (_kinds.Count >= maxKinds) return true;
            kind = _kinds.GetOrAdd(key, static _ => new Kind { WindowStart = long.MinValue });
        }
        var now = Stopwatch.GetTimestamp();
        lock (kind)
        {
            if (kind.WindowStart != long.MinValue && now - kind.WindowStart < _windowTicks)
            {
                kind.Suppressed++;
                return false;
            }
            kind.WindowStart = now;
            suppressed = kind.Suppressed;
            kind.Suppressed = 0;
            return true;
        }
    }

    /// <summary>"ValueError" of a traceback's last line "ValueError: bad id 7"; the message varies, the type does not.</summary>
    internal static string ExceptionType(string? traceback)
    {
        if (string.IsNullOrEmpty(traceback)) return "";
        var text = traceback.AsSpan().TrimEnd();
        var lastLine = text[(text.LastIndexOf('\n') + 1)..];
        var colon = lastLine.IndexOf(':');
        return (colon < 0 ? lastLine : lastLine[..colon]).Trim().ToString();
    }
}
