using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RobynGateway.Python;

namespace RobynGateway.Workers;

/// <summary>
/// The front's readiness includes its workers' <c>@app.health_check</c> functions: it asks every
/// worker in the pool for <c>PATH/ready/app</c>, at once, and is unhealthy when any worker's checks
/// fail or it does not answer in time (a front is what a single process would be, with each worker's
/// checks). The supervisor's once-a-second probe asks <c>PATH/ready/gateway</c> instead, which never
/// runs the app's checks: a slow check must not look like a frozen worker.
/// </summary>
internal sealed class WorkerAppHealthCheck : IHealthCheck, IDisposable
{
    readonly WorkerSupervisor _supervisor;
    readonly HttpClient _client;
    readonly string _path;
    readonly TimeSpan _timeout;

    /// <param name="timeout">The longest check's timeout and some: the workers bound their own answers by it.</param>
    public WorkerAppHealthCheck(WorkerSupervisor supervisor, string socketDirectory, string healthPath, TimeSpan timeout)
    {
        _supervisor = supervisor;
        _path = healthPath + "/ready/app";
        _timeout = timeout;
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (context, cancel) =>
                await WorkerSocketConnect.ConnectAsync(socketDirectory, context.DnsEndPoint.Host, cancel).ConfigureAwait(false),
        }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public static TimeSpan TimeoutFor(IReadOnlyList<AppHealthCheck> checks) => checks.Max(c => c.Timeout) + TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var workers = _supervisor.Ready;
        var answers = await Task.WhenAll(workers.Select(w => AskAsync(w, cancellationToken))).ConfigureAwait(false);
        var text = string.Join("\n", answers.SelectMany(a => a.Lines));
        return answers.All(a => a.Healthy) ? HealthCheckResult.Healthy(text) : HealthCheckResult.Unhealthy(text);
    }

    async Task<(bool Healthy, IEnumerable<string> Lines)> AskAsync(WorkerProcess worker, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(_timeout);
        try
        {
            using var response = await _client.GetAsync($"http://{worker.Name}{_path}", deadline.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            // The worker's first line is its summary (ready or unhealthy); each check's line follows.
            var lines = text.Split('\n').Skip(1).Select(l => $"{worker}: {l}");
            return (response.StatusCode == HttpStatusCode.OK, lines);
        }
        catch (OperationCanceledException)
        {
            return (false, [$"{worker}: no answer within {_timeout.TotalSeconds:g} s"]);
        }
        catch (HttpRequestException ex)
        {
            return (false, [$"{worker}: {ex.Message}"]);
        }
    }

    public void Dispose() => _client.Dispose();
}
