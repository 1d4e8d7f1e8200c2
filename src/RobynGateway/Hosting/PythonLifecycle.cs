using RobynGateway.Python;

namespace RobynGateway.Hosting;

/// <summary>
/// Ties the app's Python lifecycle to the host's. Startup runs in StartingAsync, which the host
/// calls before any StartAsync, so the startup handler has finished before Kestrel opens the port;
/// a handler that raises fails the start. Shutdown runs in StoppedAsync, after the server has
/// stopped accepting and in-flight requests have drained (bounded by the host's ShutdownTimeout);
/// with the watchdog on, the whole stop is bounded too (StopDeadline), armed in StoppingAsync.
/// A start that fails after the startup handler ran (the port is taken, say) never reaches
/// StoppedAsync: the host is then disposed, and Dispose stops Python instead, so the shutdown
/// handler runs and the loop thread ends before the process exits (it used to die with
/// "Fatal Python error: PyThreadState_Get" as the runtime went away under it).
/// </summary>
internal sealed class PythonLifecycle(PythonApp app, GatewayOptions options) : IHostedLifecycleService, IDisposable
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        app.Start(options.Workers, options.HangTimeout);
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        app.Stop(Serilog.Log.Logger);
        return Task.CompletedTask;
    }

    /// <summary>Stop is idempotent: after a normal stop this does nothing.</summary>
    public void Dispose() => app.Stop(Serilog.Log.Logger);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        app.ArmStopDeadline(options.GracefulTimeout, Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway"));
        return Task.CompletedTask;
    }
}
