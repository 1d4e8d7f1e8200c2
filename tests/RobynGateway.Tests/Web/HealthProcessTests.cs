using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Web;

/// <summary>The health path as users set it on a real process, by flag or environment.</summary>
public sealed class HealthProcessTests
{
    [Fact]
    public async Task Health_path_flag_moves_the_endpoints_and_warns_about_the_route_it_hides()
    {
        await using var gateway = await GatewayProcess.Start("health_app.py", ["--health-path", "/healthz"]).WaitReadyAsync();
        using var ready = await gateway.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", await ready.Content.ReadAsStringAsync());
        Assert.Equal("live", await gateway.Client.GetStringAsync("/healthz/live"));
        using var old = await gateway.Client.GetAsync("/__robyn/health/ready");
        Assert.Equal(HttpStatusCode.Forbidden, old.StatusCode);
        Assert.Contains("Route GET /healthz is under the health path /healthz: the gateway answers there", gateway.Output);
    }

    [Fact]
    public async Task Robyn_health_path_in_the_environment_sets_it_too()
    {
        await using var gateway = await GatewayProcess.Start("deploy_app.py",
            env: new Dictionary<string, string> { ["ROBYN_HEALTH_PATH"] = "/ops/health" }).WaitReadyAsync();
        Assert.Equal("ready", await gateway.Client.GetStringAsync("/ops/health/ready"));
        Assert.DoesNotContain("under the health path", gateway.Output);
    }
}
