using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// Debian's redis-server (scripts/install-test-deps.sh installs it) as a child process of the test, on
/// a free loopback port, with nothing saved to disk: never the system's service. It can be stopped
/// and started again on the same port, as a Redis that goes away and comes back. Only the process it
/// started is ever killed, by PID.
/// </summary>
public sealed partial class RedisProcess : IAsyncDisposable
{
    const string Binary = "/usr/bin/redis-server";
    Process? _process;

    public int Port { get; } = GatewayProcess.FreePort();
    public string Url(int database = 0) => $"redis://127.0.0.1:{Port}/{database}";

    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess();
        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: run scripts/install-test-deps.sh (Debian's redis-server package).");
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
            psi.ArgumentList.Add(arg);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}");
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"redis-server did not open port {Port}");
    }

    /// <summary>Kills it (SIGKILL: Redis gone without a goodbye) and waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        if (!process.HasExited) process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }

    /// <summary>SIGSTOP: a Redis that still holds its connections but reads nothing (a stall, not a crash).</summary>
    public void Pause() => Signal(19);

    /// <summary>SIGCONT.</summary>
    public void Resume() => Signal(18);

    void Signal(int signal)
    {
        if (_process is { HasExited: false } process) kill(process.Id, signal);
    }

    public async ValueTask DisposeAsync()
    {
        Resume(); // a stopped process ignores nothing but SIGKILL; let it exit cleanly either way
        await StopAsync();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
