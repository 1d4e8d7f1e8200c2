using System.Runtime.InteropServices;

namespace RobynGateway.Hosting;

/// <summary>
/// Stops a gateway whose parent is gone (killed with SIGKILL, say): a worker of <c>--processes</c>
/// whose front died, or a <c>--dev</c> child whose supervisor died, so none outlives the server it
/// belonged to and keeps its socket or port. Linux re-parents an orphan, so a changed parent pid
/// is the sign.
/// </summary>
internal sealed partial class ParentWatch(int parentPid, IHostApplicationLifetime lifetime, ILogger<ParentWatch> log) : BackgroundService
{
    /// <summary>This process's parent now.</summary>
    public static int CurrentParent() => getppid();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (getppid() == parentPid) continue;
            log.LogWarning("The parent process {Pid} is gone; stopping", parentPid);
            lifetime.StopApplication();
            return;
        }
    }

    [LibraryImport("libc")]
    private static partial int getppid();
}
