using Microsoft.Extensions.Diagnostics.HealthChecks;
using RobynGateway.Python;

namespace RobynGateway.Web;

/// <summary>
/// The gateway's readiness and liveness as ASP.NET Core HealthChecks, tagged by the path that runs
/// them (<see cref="HealthEndpoints"/>): the gateway's own state (<see cref="Readiness"/>), and the
/// app's <c>@app.health_check</c> functions, one registration each (on a front: its workers' answers).
/// </summary>
internal static class HealthChecksSetup
{
    public const string GatewayTag = "gateway", AppTag = "app", LiveTag = "live";

    /// <summary>Our own checks' names start so; robyn/health.py refuses such names for the app's.</summary>
    public const string OwnPrefix = "robyn.";

    /// <summary>HealthChecks' own deadline comes this long after the check's: Python's answer, naming the check, comes first.</summary>
    static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    /// <summary>One process, or a worker: the app's checks run in this process's Python.</summary>
    public static IServiceCollection AddRobynHealth(this IServiceCollection services, PythonApp app)
    {
        services.AddSingleton(sp => new Readiness(sp.GetRequiredService<IHostApplicationLifetime>(), null, app,
            sp.GetService<Hosting.ShutdownDrain>(), () => app.Sockets.Bus?.Detail));
        var checks = services.AddRobynGatewayChecks();
        foreach (var check in app.HealthChecks)
            checks.Add(new HealthCheckRegistration(check.Name,
                sp => new PythonHealthCheck(app.HealthRunner!, check, sp.GetRequiredService<Readiness>()),
                HealthStatus.Unhealthy, [AppTag], check.Timeout + Slack));
        return services;
    }

    /// <summary>The gateway's own checks, whatever made the <see cref="Readiness"/> (a front registers its own).</summary>
    public static IHealthChecksBuilder AddRobynGatewayChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .Add(new HealthCheckRegistration(OwnPrefix + "gateway", sp => new GatewayCheck(sp.GetRequiredService<Readiness>()),
                HealthStatus.Unhealthy, [GatewayTag]))
            .Add(new HealthCheckRegistration(OwnPrefix + "live", sp => new LiveCheck(sp.GetRequiredService<Readiness>()),
                HealthStatus.Unhealthy, [LiveTag]));

    /// <summary>Ready, starting, stopping, hung, no worker ready: the first line of every readiness answer.</summary>
    sealed class GatewayCheck(Readiness readiness) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var state = readiness.State;
            return Task.FromResult(state != Readiness.Ready ? HealthCheckResult.Unhealthy(state)
                : HealthCheckResult.Healthy(readiness.Detail?.Invoke() is { } more ? $"{state}\n{more}" : state));
        }
    }

    sealed class LiveCheck(Readiness readiness) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(readiness.Live is { } dead ? HealthCheckResult.Unhealthy(dead) : HealthCheckResult.Healthy("live"));
    }

    /// <summary>One <c>@app.health_check</c>: its outcome from the run that <see cref="PythonHealthRunner"/> makes for all.</summary>
    sealed class PythonHealthCheck(PythonHealthRunner runner, AppHealthCheck check, Readiness readiness) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            // Starting, stopping or hung: the first line says so; Python may not be able to run the check.
            if (readiness.State != Readiness.Ready) return HealthCheckResult.Unhealthy("not run: the gateway is not ready");
            try
            {
                var outcomes = await runner.RunAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                return outcomes.TryGetValue(check.Name, out var o)
                    ? o.Healthy ? HealthCheckResult.Healthy(o.Text) : HealthCheckResult.Unhealthy(o.Text)
                    : HealthCheckResult.Unhealthy("not run");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Python did not answer at all (the GIL never came back): the check's own deadline passed long ago.
                return HealthCheckResult.Unhealthy($"no answer within {check.Timeout.TotalSeconds:g} s (Python did not answer)");
            }
        }
    }
}
