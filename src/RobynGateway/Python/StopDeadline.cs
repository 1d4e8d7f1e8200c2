using System.Runtime.InteropServices;

namespace RobynGateway.Python;

/// <summary>
/// Bounds a stop that waits on Python. Draining is bounded by <c>--graceful-timeout</c>, but the
/// shutdown handler and the end of the event loop need the GIL: with a frozen interpreter (a handler
/// that keeps the GIL) the stop would wait for ever, and a supervisor's SIGTERM would never finish.
/// Armed when the stop begins; if Python's part has not finished <see cref="Grace"/> after the
/// graceful timeout, it logs what was left and ends the process with <see cref="ExitCode"/>
/// through <c>_exit</c>: a normal exit runs exit handlers that may themselves wait for the GIL.
/// </summary>
internal static partial class StopDeadline
{
    /// <summary>The process stopped without finishing its Python part (documented in Program).</summary>
    public const int ExitCode = 3;

    /// <summary>What the shutdown handler gets beyond the graceful timeout, at least.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    /// <summary><paramref name="unfinished"/> says what is left, or null once Python's part is done.</summary>
    public static void Arm(TimeSpan graceful, Func<string?> unfinished, Serilog.ILogger log)
    {
        // Only in the gateway's own process: a test host (xunit's) or the TestClient's Python
        // must never be ended by it.
        if (System.Reflection.Assembly.GetEntryAssembly() != typeof(StopDeadline).Assembly) return;
        var after = graceful + Grace;
        new Thread(() =>
        {
            Thread.Sleep(after);
            if (unfinished() is not { } left) return;
            log.Error("The stop did not finish within {Seconds} s (--graceful-timeout {Graceful} s + {Grace} s): {Left}. "
                + "Exiting with code {Code} without waiting for Python", after.TotalSeconds, graceful.TotalSeconds,
                Grace.TotalSeconds, left, ExitCode);
            Serilog.Log.CloseAndFlush();
            _exit(ExitCode);
        }) { IsBackground = true, Name = "robyn-stop-deadline" }.Start();
    }

    [LibraryImport("libc")]
    private static partial void _exit(int status);
}
