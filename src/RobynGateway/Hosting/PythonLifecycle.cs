using RobynGateway.Python;

namespace RobynGateway.Hosting;

/// <summary>
/// Ties the app's Python lifecycle to the host's. Startup runs in StartingAsync, which the host
/// calls before any StartAsync, so the startup handler has finished before Kestrel opens the port;
/// a handler that raises fails the start. Shutdown runs in StoppedAsync, after the server has
/// stopped accepting and in-flight requests have drained (bounded by the host's ShutdownTimeout);
/// with the watchdog on, the whole stop is bounded too (StopDeadline), armed in StoppingAsync.
/// </summary>
internal sealed class PythonLifecycle(PythonApp app, GatewayOptions options) : IHostedLifecycleService
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

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        app.ArmStopDeadline(options.GracefulTimeout, Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway"));
        return Task.CompletedTask;
    }
}
