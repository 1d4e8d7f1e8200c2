using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Web;

/// <summary>
/// <c>@app.health_check</c> on a real gateway process (health_checks_app.py): a pool's ping that
/// flips between healthy and not, an async check, one that raises and two that hang. Each outage is
/// a marker file in the app's HEALTH_STATE_DIR, so the test and every worker see the same state.
/// </summary>
public sealed class AppHealthCheckTests : IDisposable
{
    const string Ready = "/__robyn/health/ready";
    const string AllHealthy = "ready\ndatabase: healthy\ncache: healthy\nqueue: healthy\nsearch: healthy";
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    readonly string _state = Directory.CreateTempSubdirectory("robyn-health-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    void Set(string marker) => File.WriteAllText(Path.Combine(_state, marker), "");

    void Clear(string marker) => File.Delete(Path.Combine(_state, marker));

    async Task<GatewayProcess> Start(params string[] args)
    {
        var gateway = await GatewayProcess.Start("health_checks_app.py", args,
            env: new Dictionary<string, string> { ["HEALTH_STATE_DIR"] = _state }).WaitReadyAsync(TimeSpan.FromSeconds(120));
        await Until(gateway, HttpStatusCode.OK, _ => true); // a front opens its port before its workers are ready
        return gateway;
    }

    /// <summary>Asks for readiness until the answer has this status and its text passes; returns the text.</summary>
    static async Task<string> Until(GatewayProcess gateway, HttpStatusCode status, Func<string, bool> text)
    {
        var deadline = DateTime.UtcNow + Patience;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await gateway.Client.GetAsync(Ready);
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.StatusCode == status && text(last[4..])) return last[4..];
            await Task.Delay(200);
        }
        throw new TimeoutException($"readiness never became {(int)status} with the text wanted; last: {last}\n{gateway.Output}");
    }

    [Fact]
    public async Task A_pool_check_flips_readiness_and_liveness_stays()
    {
        await using var gateway = await Start();
        Assert.Equal(AllHealthy, await gateway.Client.GetStringAsync(Ready));
        Assert.Equal(AllHealthy, await gateway.Client.GetStringAsync("/__robyn/health"));

        Set("db-down");
        var down = await Until(gateway, HttpStatusCode.ServiceUnavailable, _ => true);
        Assert.Equal("unhealthy\ndatabase: unhealthy: returned False\ncache: healthy\nqueue: healthy\nsearch: healthy", down);
        Assert.Equal("live", await gateway.Client.GetStringAsync("/__robyn/health/live"));
        Assert.Equal("served", await gateway.Client.GetStringAsync("/"));
        using (var head = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Ready)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, head.StatusCode);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }

        Set("cache-down"); // the async check, falsy (None)
        Assert.Contains("cache: unhealthy: returned None", await Until(gateway, HttpStatusCode.ServiceUnavailable, t => t.Contains("cache: unhealthy")));

        Clear("db-down");
        Clear("cache-down");
        Assert.Equal(AllHealthy, await Until(gateway, HttpStatusCode.OK, _ => true));
        await gateway.WaitForOutputAsync("Health check 'database' returned False: not ready", Patience);
    }

    [Fact]
    public async Task A_raising_check_is_503_with_its_type_and_the_traceback_only_in_the_log()
    {
        await using var gateway = await Start();
        Set("queue-raises");
        var text = await Until(gateway, HttpStatusCode.ServiceUnavailable, _ => true);
        Assert.Contains("queue: unhealthy: raised ConnectionError (traceback in the server log)", text);
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain("Traceback", text);
        // The traceback, logged (the log line may reach the output after the answer: waited for).
        await gateway.WaitForOutputAsync("Health check 'queue' raised", Patience);
        await gateway.WaitForOutputAsync("amqp://admin:hunter2@queue.internal refused the connection", Patience);
        Assert.Equal("served", await gateway.Client.GetStringAsync("/"));
        Clear("queue-raises");
        Assert.Equal(AllHealthy, await Until(gateway, HttpStatusCode.OK, _ => true));
    }

    [Fact]
    public async Task Hanging_checks_make_ready_503_after_their_timeout_instead_of_hanging()
    {
        await using var gateway = await Start();
        Set("queue-hangs");   // sync: its thread stays stuck until the marker goes
        Set("search-hangs");  // async: cancelled at its timeout
        var started = DateTime.UtcNow;
        using (var response = await gateway.Client.GetAsync(Ready))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("queue: unhealthy: no answer within 1 s", text);
            Assert.Contains("search: unhealthy: no answer within 1 s", text);
            Assert.Contains("database: healthy", text);
        }
        // Each has a 1 s timeout; the client's own limit is 30 s. Wide: only "not hanging" is pinned.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
        // Asked again while the sync check still hangs: not started twice, still 503.
        using (var again = await gateway.Client.GetAsync(Ready))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
        Assert.Equal("live", await gateway.Client.GetStringAsync("/__robyn/health/live"));
        Assert.Equal("served", await gateway.Client.GetStringAsync("/"));
        Clear("queue-hangs");
        Clear("search-hangs");
        Assert.Equal(AllHealthy, await Until(gateway, HttpStatusCode.OK, _ => true));
    }

    /// <summary>Front-only: the front's /ready joins every worker's checks. (Under --balance kernel a worker answers /ready itself, with its own checks.)</summary>
    [Fact]
    public async Task A_front_is_unhealthy_while_a_check_fails_on_its_workers_and_keeps_serving()
    {
        await using var gateway = await Start("--processes", "2", "--balance", "front");
        var healthy = await gateway.Client.GetStringAsync(Ready);
        Assert.StartsWith("ready\n", healthy);
        Assert.Equal(2, healthy.Split('\n').Count(l => l.EndsWith(": database: healthy", StringComparison.Ordinal)));

        Set("db-down");
        var down = await Until(gateway, HttpStatusCode.ServiceUnavailable, _ => true);
        Assert.StartsWith("unhealthy\n", down);
        Assert.Equal(2, down.Split('\n').Count(l => l.StartsWith("worker ", StringComparison.Ordinal)
            && l.EndsWith(": database: unhealthy: returned False", StringComparison.Ordinal)));
        Assert.Equal("served", await gateway.Client.GetStringAsync("/"));
        // The supervisor's probe never waits for the app's checks: a hanging one replaces no worker.
        Set("queue-hangs");
        await Until(gateway, HttpStatusCode.ServiceUnavailable, t => t.Contains("queue: unhealthy: no answer within 1 s"));
        Clear("queue-hangs");
        Clear("db-down");
        await Until(gateway, HttpStatusCode.OK, t => t.StartsWith("ready\n"));
        // (A probe may still miss its 1 s on a loaded machine and route around a worker for a moment:
        // that is the supervisor's business, so only a replacement is ruled out here.)
        Assert.DoesNotContain("killing it", gateway.Output);
    }
}
