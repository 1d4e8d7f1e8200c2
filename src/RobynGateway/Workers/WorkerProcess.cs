using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RobynGateway.Workers;

/// <summary>
/// One worker process of <c>--processes N</c>: the same executable in worker mode, with its own
/// interpreter, serving the app on a Unix socket that only the front can reach (a folder only this
/// user can open). It inherits the front's stdout and stderr, so its log lines go where the
/// front's go. Each start of a slot is a new generation with a new socket file, so a replacement
/// never meets the files of the worker it replaces.
/// </summary>
internal sealed partial class WorkerProcess
{
    readonly Process _process;
    readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long _requests;
    int _inFlight;

    WorkerProcess(int slot, int generation, string socketPath, Process process)
    {
        Slot = slot;
        Generation = generation;
        SocketPath = socketPath;
        _process = process;
        StartedAt = DateTime.UtcNow;
    }

    public int Slot { get; }
    public int Generation { get; }
    public string SocketPath { get; }
    public DateTime StartedAt { get; }

    /// <summary>When it joined the ready workers (null while starting).</summary>
    public DateTime? ReadyAt { get; private set; }

    public void MarkReady() => ReadyAt ??= DateTime.UtcNow;

    /// <summary>Why the supervisor stopped it (the robyn.worker.restarts label); null: it exited by itself.</summary>
    public string? StopCause { get; set; }
    public int Pid => _process.Id;

    /// <summary>The host name the forwarder connects to (its socket's name), and its name in log lines.</summary>
    public string Name { get; private init; } = "";

    /// <summary>What the forwarder's requests to it start with (http://NAME/): built once, not per request.</summary>
    public string Prefix { get; private init; } = "";

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Requests forwarded to it so far (for <c>--max-requests</c>).</summary>
    public long CountRequest() => Interlocked.Increment(ref _requests);

    /// <summary>Requests being forwarded to it now (the load balancer's measure).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);
    public void Leave() => Interlocked.Decrement(ref _inFlight);

    public static WorkerProcess Start(WorkerLaunch launch, int slot, int generation, string socketDirectory)
    {
        var socket = Path.Combine(socketDirectory, $"w{slot}-{generation}.sock");
        var info = new ProcessStartInfo(launch.FileName) { UseShellExecute = false };
        foreach (var arg in launch.Arguments(socket, slot)) info.ArgumentList.Add(arg);
        info.Environment["ROBYN_WORKER_SLOT"] = slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var name = $"w{slot}-{generation}";
        var worker = new WorkerProcess(slot, generation, socket, process) { Name = name, Prefix = $"http://{name}/" };
        process.Exited += (_, _) => worker._exited.TrySetResult(SafeExitCode(process));
        process.Start();
        return worker;
    }

    static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Waits until the worker accepts connections on its socket: Kestrel opens it only after the
    /// worker's startup handler has finished. False if it exits first or the time runs out.
    /// </summary>
    public async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
        {
            if (HasExited) return false;
            if (File.Exists(SocketPath))
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancel);
                    return true;
                }
                catch (SocketException)
                {
                    // Bound but not listening yet.
                }
            }
            await Task.Delay(50, cancel).ConfigureAwait(false);
        }
        cancel.ThrowIfCancellationRequested(); // a stop while waiting is a stop, not "not ready in time"
        return false;
    }

    /// <summary>Asks it to stop: it stops accepting, drains, closes websockets with 1001, runs the shutdown handler.</summary>
    public void Terminate()
    {
        if (!HasExited) kill(Pid, SigTerm);
    }

    /// <summary>Requests it served by its own count (--balance kernel, where the front sees none), from its health answers.</summary>
    public long Served { get; set; }

    public void Kill()
    {
        if (HasExited) return;
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public override string ToString() => $"worker {Slot} (pid {Pid})";

    const int SigTerm = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
