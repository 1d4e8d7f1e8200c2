using System.Runtime.InteropServices;

namespace RobynGateway.Workers;

/// <summary>
/// In a worker: stops the worker when its front process is gone (killed with SIGKILL, say), so no
/// worker outlives the server it belonged to. Linux re-parents an orphan, so a changed parent pid
/// is the sign.
/// </summary>
internal sealed partial class ParentWatch(int frontPid, IHostApplicationLifetime lifetime, ILogger<ParentWatch> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (getppid() == frontPid) continue;
            log.LogWarning("The front process {Pid} is gone; stopping this worker", frontPid);
            lifetime.StopApplication();
            return;
        }
    }

    [LibraryImport("libc")]
    private static partial int getppid();
}
