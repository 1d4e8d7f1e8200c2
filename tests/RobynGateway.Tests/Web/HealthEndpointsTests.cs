using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RobynGateway.Hosting;
using RobynGateway.Tests.Infrastructure;
using RobynGateway.Web;

namespace RobynGateway.Tests.Web;

/// <summary>
/// The health endpoints on the gateway's real pipeline (TestServer). health_app.py refuses every
/// request that reaches Python with a 403, so a 200 here was answered without Python.
/// </summary>
public sealed class HealthEndpointsTests(HealthAppFactory factory) : IClassFixture<HealthAppFactory>
{
    [Theory]
    [InlineData("/__robyn/health/live", "live")]
    [InlineData("/__robyn/health/ready", "ready")]
    [InlineData("/__robyn/health", "ready")]
    [InlineData("/__robyn/health/", "ready")]
    [InlineData("/__ROBYN/Health/Ready", "ready")]
    public async Task Started_gateway_is_live_and_ready_without_entering_python(string path, string text)
    {
        using var response = await factory.CreateClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(text, await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Head_is_answered_without_a_body()
    {
        using var response = await factory.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Head, "/__robyn/health/ready"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Other_methods_are_405_and_other_paths_under_it_404_from_the_gateway()
    {
        var client = factory.CreateClient();
        using var post = await client.PostAsync("/__robyn/health/ready", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));
        using var other = await client.GetAsync("/__robyn/health/other");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("Not found", await other.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_apps_own_routes_still_go_to_the_app()
    {
        var client = factory.CreateClient();
        using var own = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Equal("refused by the app's hook", await own.Content.ReadAsStringAsync());
        using var near = await client.GetAsync("/__robyn/healthier");
        Assert.Equal(HttpStatusCode.Forbidden, near.StatusCode);
    }
}

/// <summary>Readiness once a stop has begun: a factory of its own, since it is never ready again.</summary>
public sealed class HealthWhileStoppingTests
{
    [Fact]
    public async Task Once_the_stop_begins_ready_is_503_and_live_stays_200()
    {
        // The stop is held open (as in-flight requests would hold a real one) until the probes are
        // done: otherwise the host may finish stopping, and dispose the TestServer, between them.
        var probed = new TaskCompletionSource();
        await using var plain = new HealthAppFactory();
        await using var factory = plain.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddHostedService(_ => new HoldStop(probed.Task))));
        var client = factory.CreateClient();
        using (var before = await client.GetAsync("/__robyn/health/ready"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        // What SIGTERM does first; TestServer keeps taking requests, so the answer during the drain shows.
        factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        try
        {
            using var ready = await client.GetAsync("/__robyn/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("stopping", await ready.Content.ReadAsStringAsync());
            using var live = await client.GetAsync("/__robyn/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            probed.TrySetResult();
        }
    }

    /// <summary>Registered last, so the host stops it first: the server stays up until it returns.</summary>
    sealed class HoldStop(Task until) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => until.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
    }
}

/// <summary>Readiness from the host's lifetime, and the path option, without a host.</summary>
public sealed class ReadinessTests
{
    sealed class Lifetime : IHostApplicationLifetime
    {
        public readonly CancellationTokenSource Started = new(), Stopping = new(), Stopped = new();
        CancellationToken IHostApplicationLifetime.ApplicationStarted => Started.Token;
        CancellationToken IHostApplicationLifetime.ApplicationStopping => Stopping.Token;
        CancellationToken IHostApplicationLifetime.ApplicationStopped => Stopped.Token;
        public void StopApplication() => Stopping.Cancel();
    }

    [Fact]
    public void Starting_then_ready_then_stopping()
    {
        var lifetime = new Lifetime();
        var readiness = new Readiness(lifetime);
        Assert.Equal("starting", readiness.State);
        lifetime.Started.Cancel();
        Assert.Equal("ready", readiness.State);
        lifetime.StopApplication();
        Assert.Equal("stopping", readiness.State);
    }

    [Fact]
    public void A_front_is_ready_only_while_a_worker_is()
    {
        var lifetime = new Lifetime();
        var workers = 0;
        var readiness = new Readiness(lifetime, () => workers > 0);
        lifetime.Started.Cancel();
        Assert.Equal("no worker ready", readiness.State);
        workers = 2;
        Assert.Equal("ready", readiness.State);
        lifetime.StopApplication();
        Assert.Equal("stopping", readiness.State);
    }

    [Theory]
    [InlineData("/healthz", "/healthz")]
    [InlineData("/ops/health/", "/ops/health")]
    public void Health_path_is_kept_without_its_trailing_slash(string given, string kept) =>
        Assert.Equal(kept, HealthEndpoints.Normalise(given, "--health-path"));

    [Theory]
    [InlineData("healthz")]
    [InlineData("/")]
    [InlineData("/health?x=1")]
    [InlineData("/health/:id")]
    public void Health_path_that_cannot_be_a_prefix_is_a_usage_error(string given)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["app.py", "--health-path", given]));
        Assert.Contains("--health-path", ex.Message);
    }
}
