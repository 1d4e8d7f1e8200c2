using System.Runtime.InteropServices;

namespace RobynGateway.Hosting;

/// <summary>
/// The gateway's own answer to signals, in place of the host's ConsoleLifetime (for the program;
/// the TestClient's and the tests' hosts keep theirs):
/// <list type="bullet">
/// <item>SIGTERM: with <c>--shutdown-delay S</c>, the listener stays open and serves for S seconds
/// while /ready answers 503 <c>stopping</c> (<see cref="ShutdownDrain"/>), so a load balancer or a
/// Kubernetes Service takes the process out of rotation before its port closes; then the graceful
/// stop (in-flight requests finish within --graceful-timeout, the shutdown handler runs). A second
/// SIGTERM during the delay stops at once. Before the server has started there is nothing to
/// drain: it stops at once.</item>
/// <item>SIGINT (Ctrl-C), SIGQUIT: the graceful stop at once, as before.</item>
/// <item>SIGHUP: under --processes, the workers are replaced one by one (<see cref="Workers.WorkerSupervisor.RollAsync"/>),
/// which reloads the app's code without a refused request. One process has no second interpreter to
/// hand over to: it logs that and goes on serving (no exit 129).</item>
/// </list>
/// The handlers only flip state and start tasks: the host's own machinery does the stopping.
/// </summary>
internal sealed class SignalLifetime(IHostApplicationLifetime lifetime, TimeSpan shutdownDelay, ShutdownDrain drain,
    Func<Func<Task>?> roll, ILogger<SignalLifetime> log) : IHostLifetime, IDisposable
{
    readonly List<PosixSignalRegistration> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, StopNow));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, StopNow));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangUp));
        return Task.CompletedTask;
    }

    void StopNow(PosixSignalContext context)
    {
        context.Cancel = true; // the host stops, then Main returns its exit code
        lifetime.StopApplication();
    }

    void OnTerminate(PosixSignalContext context)
    {
        context.Cancel = true;
        if (shutdownDelay <= TimeSpan.Zero || !lifetime.ApplicationStarted.IsCancellationRequested || !drain.Begin())
        {
            lifetime.StopApplication();
            return;
        }
        log.LogInformation("SIGTERM: still serving for {Delay} s (--shutdown-delay) while {Ready} answers 503, then stopping",
            shutdownDelay.TotalSeconds, "/ready");
        _ = StopAfterDelayAsync();
    }

    async Task StopAfterDelayAsync()
    {
        try
        {
            await Task.Delay(shutdownDelay, lifetime.ApplicationStopping);
        }
        catch (OperationCanceledException)
        {
            return; // stopped some other way meanwhile (a second signal, the parent gone)
        }
        lifetime.StopApplication();
    }

    void OnHangUp(PosixSignalContext context)
    {
        context.Cancel = true; // never the default: exit 129
        if (roll() is { } rollAll) _ = rollAll();
        else log.LogInformation("SIGHUP ignored: one process cannot reload its code in place; run with --processes N, "
            + "where SIGHUP replaces the workers one by one, or restart the process");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}

/// <summary>Set once SIGTERM has started a --shutdown-delay: /ready answers 503 from then on.</summary>
internal sealed class ShutdownDrain
{
    int _draining;

    public bool Draining => Volatile.Read(ref _draining) == 1;

    /// <summary>True the first time only: a second SIGTERM is a request to stop now.</summary>
    public bool Begin() => Interlocked.Exchange(ref _draining, 1) == 0;
}

internal static class SignalLifetimeSetup
{
    /// <summary>The program's processes (not the TestClient's host): --shutdown-delay for the front or the one process.</summary>
    public static void AddRobynSignals(this IServiceCollection services, GatewayOptions options)
    {
        // Whoever owns the listener keeps serving through the delay: the one process, the front, or,
        // under --balance kernel, each worker (its front passes the delay down and waits for them).
        var kernelFront = options.KernelBalance && options.Processes > 1 && !options.IsWorker;
        var delay = !options.ServesPublic || kernelFront || DevReloader.IsChild ? TimeSpan.Zero : options.ShutdownDelay;
        services.AddSingleton<ShutdownDrain>();
        services.AddSingleton<IHostLifetime>(sp => new SignalLifetime(sp.GetRequiredService<IHostApplicationLifetime>(), delay,
            sp.GetRequiredService<ShutdownDrain>(),
            () => sp.GetService<Workers.WorkerSupervisor>() is { } supervisor ? supervisor.RollAsync : null,
            sp.GetRequiredService<ILogger<SignalLifetime>>()));
    }
}
