using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// The gateway as users run it: a real process, real Kestrel on a loopback port. Output is
/// captured; Stop sends SIGTERM (what Docker and systemd send) and waits for the exit code.
/// Every instance ends the process it started, and only that one, by PID.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    readonly object _outputLock = new();

    public int Port { get; }
    public HttpClient Client { get; }
    /// <summary>Started with --processes N (N &gt; 1) at a log level that shows the supervisor's "workers ready" line.</summary>
    bool _waitForWorkers;
    public int Pid => _process.Id;

    GatewayProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Output
    {
        get { lock (_outputLock) return _output.ToString(); }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts the gateway (<paramref name="gatewayDll"/>, or the build beside the tests; a program
    /// that is not a .dll, the NativeAOT image, runs itself); with <paramref name="port"/> null a
    /// free port is passed as --port.
    /// </summary>
    public static GatewayProcess Start(string appFile, IEnumerable<string>? args = null, int? port = null,
        IDictionary<string, string>? env = null, bool passPort = true, string? gatewayDll = null, IEnumerable<string>? unset = null)
    {
        var p = port ?? FreePort();
        var program = gatewayDll ?? TestApps.GatewayDll;
        var viaDotnet = program.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(viaDotnet ? "dotnet" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (viaDotnet) psi.ArgumentList.Add(program);
        psi.ArgumentList.Add(Path.IsPathRooted(appFile) || appFile.StartsWith('-') ? appFile : TestApps.PathOf(appFile));
        if (passPort)
        {
            psi.ArgumentList.Add("--port");
            psi.ArgumentList.Add(p.ToString());
        }
        foreach (var a in args ?? []) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ROBYN_PORT");
        psi.Environment.Remove("ROBYN_HOST");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        foreach (var name in unset ?? []) psi.Environment.Remove(name);

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var argList = (args ?? []).ToList();
        var gateway = new GatewayProcess(process, p) { _waitForWorkers = StartsWorkers(argList) };
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>
    /// Under --balance kernel (the default) the port takes connections once the first worker
    /// listens, not once every worker is ready as under --balance front: a test that needs both
    /// workers waits for the supervisor's line too.
    /// </summary>
    static bool StartsWorkers(List<string> args)
    {
        var processes = args.IndexOf("--processes") is var i and >= 0 && i + 1 < args.Count && int.TryParse(args[i + 1], out var n) ? n : 1;
        var level = args.IndexOf("--log-level") is var j and >= 0 && j + 1 < args.Count ? args[j + 1].ToUpperInvariant() : "INFO";
        return processes > 1 && level is "INFO" or "DEBUG";
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_outputLock) _output.AppendLine(line);
    }

    /// <summary>Waits until the port accepts connections; fails with the output if the process exits first.</summary>
    public async Task<GatewayProcess> WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"gateway exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using (var socket = new TcpClient()) await socket.ConnectAsync(IPAddress.Loopback, Port);
                if (!_waitForWorkers || Output.Contains("workers ready", StringComparison.Ordinal)) return this;
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                // A refused connect costs next to nothing: asking often saves most of a poll's
                // wait on each of the suite's hundreds of starts.
                await Task.Delay(25);
            }
        }
        throw new TimeoutException($"gateway did not open port {Port}{(_waitForWorkers ? " with every worker ready" : "")}:\n{Output}");
    }

    /// <summary>Waits until the output matches <paramref name="pattern"/>; fails with the output if it never does.</summary>
    public async Task<System.Text.RegularExpressions.Match> WaitForOutputMatchAsync(string pattern, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var match = System.Text.RegularExpressions.Regex.Match(Output, pattern);
            if (match.Success) return match;
            if (DateTime.UtcNow > deadline || _process.HasExited)
                throw new TimeoutException($"no output matching {pattern}:\n{Output}");
            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the gateway had not exited after {timeout.TotalSeconds} s:\n{Output}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>Until the output has <paramref name="text"/> (the log is written from other threads, a moment later); fails naming it.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (!Output.Contains(text) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains(text, Output);
    }

    public void Signal(int signal)
    {
        // A gateway started from a process that ignores SIGHUP (a run under nohup) or SIGINT (a
        // background job of a non-interactive shell: `cmd &` in a script) inherits that, and .NET
        // keeps an inherited SIG_IGN: the signal would vanish, and the test fail a minute later
        // saying only that nothing happened.
        if (signal == SIGHUP && IgnoredHere(SIGHUP))
            throw new InvalidOperationException("this test process ignores SIGHUP (started under nohup?), and so does every gateway it starts: " +
                "run the tests without nohup (setsid alone keeps them apart from the terminal)");
        if (signal == SIGINT && IgnoredHere(SIGINT))
            throw new InvalidOperationException("this test process ignores SIGINT (started with & from a script? a non-interactive shell " +
                "ignores it in its background jobs), and so does every gateway it starts: run the tests in the foreground, or reset SIGINT to its default first");
        if (!_process.HasExited) kill(_process.Id, signal);
    }

    static bool IgnoredHere(int signal)
    {
        var ignored = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & 1UL << (signal - 1)) != 0;
    }

    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            Signal(SIGKILL);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
