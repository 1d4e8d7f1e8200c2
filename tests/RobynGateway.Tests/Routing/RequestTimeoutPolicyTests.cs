using Microsoft.Extensions.Logging.Abstractions;
using RobynGateway.Routing;
using RobynGateway.Http;
using RobynGateway.Python;

namespace RobynGateway.Tests.Routing;

/// <summary>Which timeout each route's endpoint carries, and the front's proxy timeout above them all.</summary>
public sealed class RequestTimeoutPolicyTests
{
    static RouteEntry Route(string pattern, double? timeout) => new(0, "GET", pattern, false, [], default, timeout);

    [Fact]
    public void A_route_follows_the_server_unless_it_has_its_own_and_zero_means_none()
    {
        var policies = new RequestTimeouts.Policies(TimeSpan.FromSeconds(30), NullLogger<RouteHandler>.Instance);
        Assert.Equal(TimeSpan.FromSeconds(30), policies.For(Route("/a", null))!.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(2.5), policies.For(Route("/b", 2.5))!.Timeout);
        Assert.Null(policies.For(Route("/c", 0)));
        Assert.Same(policies.For(Route("/d", null)), policies.For(Route("/e", 30))); // one policy per value
        Assert.Equal(504, policies.For(Route("/f", 1))!.TimeoutStatusCode);

        var off = new RequestTimeouts.Policies(TimeSpan.Zero, NullLogger<RouteHandler>.Instance);
        Assert.Null(off.For(Route("/a", null)));
        Assert.Equal(TimeSpan.FromSeconds(3), off.For(Route("/b", 3))!.Timeout);
    }

    [Fact]
    public void The_fronts_proxy_outwaits_the_longest_timeout_and_never_drops_below_ten_minutes()
    {
        RequestTimeouts.SetProxyActivityTimeout(TimeSpan.FromSeconds(30), [Route("/a", 5)]);
        Assert.Equal(TimeSpan.FromMinutes(10), RequestTimeouts.ProxyActivityTimeout);
        RequestTimeouts.SetProxyActivityTimeout(TimeSpan.FromSeconds(30), [Route("/report", 1200)]);
        Assert.Equal(TimeSpan.FromSeconds(1205), RequestTimeouts.ProxyActivityTimeout);
        RequestTimeouts.SetProxyActivityTimeout(TimeSpan.FromSeconds(30), []);
        Assert.Equal(TimeSpan.FromMinutes(10), RequestTimeouts.ProxyActivityTimeout);
    }
}
