using System.Diagnostics;
using System.Runtime.InteropServices;
using Serilog;

namespace RobynGateway.Hosting;

/// <summary>
/// <c>--dev</c>: restart the app when its <c>.py</c> files change.
///
/// Design notes:
/// * An embedded interpreter cannot be restarted in its process (Python/PythonRuntime.cs), so a
///   reload is a new process. With <c>--dev</c> the gateway becomes a small supervisor that never
///   starts Python: it runs the real gateway as a child (the same executable and arguments, with
///   <c>ROBYN_DEV_CHILD=1</c>), watches the app's directory tree (<see cref="SourceWatcher"/>),
///   and on a change stops the child (SIGTERM by pid, as Docker would: in-flight requests finish,
///   the shutdown handler runs) and starts a new one on the same port.
/// * The child keeps <c>--dev</c> (tracebacks in 500s, <c>app.config.dev</c>). Its output goes
///   straight to the terminal: the supervisor only adds a line per restart.
/// * A child that exits on its own (a syntax error, an exception at import or in the startup
///   handler, a crash) leaves the supervisor waiting for the next change; a command-line error
///   (exit code 2) cannot be fixed by editing the app, so the supervisor exits with it.
/// * SIGTERM, SIGINT (Ctrl-C) or SIGQUIT to the supervisor stops the child the same way and
///   exits 0. A child whose supervisor died (SIGKILL) notices within a second and stops itself
///   (Hosting/ParentWatch), so no server is left holding the port.
/// </summary>
internal static partial class DevReloader
{
    public const string ChildEnv = "ROBYN_DEV_CHILD";

    /// <summary>True in the child a supervisor started: it serves instead of supervising.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(ChildEnv) == "1";

    public static int Run(IReadOnlyList<string> args, CommandLine cli)
    {
        if (cli.AppPath is null)
            throw new UsageException("No app given. Usage: RobynGateway app.py [options] (see --help).");
        var appPath = Path.GetFullPath(cli.AppPath);
        if (!File.Exists(appPath))
            throw new UsageException($"App file not found: {appPath}. Pass the path of your Robyn app, e.g. examples/hello/app.py.");
        var env = AppSettings.Sources(appPath);
        if (cli.Setting(GatewayFlags.Processes, env) is > 1)
            throw new UsageException("--dev runs one process: drop --processes (as Robyn, which refuses --dev with several processes).");

        Logging.Configure(cli.Setting(GatewayFlags.LogLevel, env) ?? "INFO");
        var log = Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway.Dev");
        var stopWait = TimeSpan.FromSeconds((cli.Setting(GatewayFlags.GracefulTimeout, env) ?? 10) + 5);

        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
        using var watcher = new SourceWatcher(Path.GetDirectoryName(appPath)!);
        log.Information("Watching {Root} for changes to .py files; the app restarts on each", watcher.Root);
        return Supervise(args, watcher, stopWait, log, stop.Token).GetAwaiter().GetResult();

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we stop the child, then exit 0
            stop.Cancel();
        }
    }

    static async Task<int> Supervise(IReadOnlyList<string> args, SourceWatcher watcher, TimeSpan stopWait,
        Serilog.ILogger log, CancellationToken stop)
    {
        var first = true;
        while (!stop.IsCancellationRequested)
        {
            watcher.Clear();
            using var child = StartChild(args, first);
            first = false;
            var exited = child.WaitForExitAsync(CancellationToken.None);
            var changed = watcher.WaitAsync(stop);
            await Task.WhenAny(exited, changed);

            if (!exited.IsCompleted)
            {
                if (changed.IsCompletedSuccessfully)
                    log.Information("{Files} changed: restarting", string.Join(", ", changed.Result));
                var stopping = Stopwatch.GetTimestamp();
                await StopChild(child, stopWait, log);
                log.Debug("The app stopped in {Ms:0} ms", Stopwatch.GetElapsedTime(stopping).TotalMilliseconds);
                continue; // stopping (the loop ends) or restarting
            }

            if (child.ExitCode == 2)
            {
                log.Error("The gateway refused its command line (exit code 2); fix it and start again");
                return 2;
            }
            if (stop.IsCancellationRequested) break;
            log.Warning("The app stopped (exit code {Code}); waiting for a change to a .py file", child.ExitCode);
            try
            {
                var next = await changed;
                log.Information("{Files} changed: starting again", string.Join(", ", next));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return 0;
    }

    static Process StartChild(IReadOnlyList<string> args, bool first)
    {
        // `dotnet RobynGateway.dll ...` runs in the dotnet host: start that with the dll again. An
        // apphost (bin/.../RobynGateway, what `dotnet run` starts) is its own program.
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program this is");
        var psi = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            psi.ArgumentList.Add(typeof(DevReloader).Assembly.Location);
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        psi.Environment[ChildEnv] = "1";
        if (!first) psi.Environment[BrowserOpener.OpenedEnv] = "1"; // --open-browser: one tab per session
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {host}");
    }

    static async Task StopChild(Process child, TimeSpan wait, Serilog.ILogger log)
    {
        if (child.HasExited) return;
        kill(child.Id, SIGTERM);
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            log.Warning("The app did not stop within {Seconds} s of SIGTERM; killing it", wait.TotalSeconds);
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// In the child, once the host has stopped (requests drained, shutdown handler run): exits at
    /// once. The runtime's own teardown after Main (.NET's exit work) takes about
    /// a second here and does nothing a reload needs, while the supervisor waits for the exit.
    /// </summary>
    public static void ExitNow()
    {
        Log.CloseAndFlush();
        Console.Out.Flush();
        Console.Error.Flush();
        _exit(0);
    }

    const int SIGTERM = 15;

    [LibraryImport("libc")]
    private static partial void _exit(int status);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

}
