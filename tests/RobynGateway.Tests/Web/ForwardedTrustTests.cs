using System.Net;
using RobynGateway.Hosting;
using RobynGateway.Web;

namespace RobynGateway.Tests.Web;

/// <summary>Parsing --forwarded-allow-ips and the options ASP.NET's middleware gets from it.</summary>
public sealed class ForwardedTrustTests
{
    [Fact]
    public void Default_trusts_only_ipv4_loopback_as_uvicorn_does()
    {
        var options = ForwardedHeadersSetup.OptionsFor(ForwardedTrust.Default);
        Assert.Equal([IPAddress.Loopback], options.KnownProxies);
        Assert.Empty(options.KnownIPNetworks);
        Assert.Null(options.ForwardLimit);
    }

    [Fact]
    public void Addresses_and_networks_are_read_from_a_comma_separated_list()
    {
        var trust = ForwardedTrust.Parse(" 10.0.0.5, 172.16.0.0/12 ,::1,fd00::/8", "--forwarded-allow-ips");
        Assert.False(trust.Any);
        Assert.Equal([IPAddress.Parse("10.0.0.5"), IPAddress.IPv6Loopback], trust.Proxies);
        Assert.Equal([IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("fd00::/8")], trust.Networks);
        // Host bits are dropped, as ASP.NET does: 10.0.0.1/8 is 10.0.0.0/8.
        Assert.Equal(IPNetwork.Parse("10.0.0.0/8"), Assert.Single(ForwardedTrust.Parse("10.0.0.1/8", "x").Networks));
        var options = ForwardedHeadersSetup.OptionsFor(trust);
        Assert.Equal(2, options.KnownProxies.Count);
        Assert.Equal(2, options.KnownIPNetworks.Count);
    }

    [Fact]
    public void Star_trusts_every_peer()
    {
        var trust = ForwardedTrust.Parse("*", "--forwarded-allow-ips");
        Assert.True(trust.Any);
        var options = ForwardedHeadersSetup.OptionsFor(trust);
        Assert.Empty(options.KnownProxies);
        Assert.Empty(options.KnownIPNetworks);
    }

    [Theory]
    [InlineData("proxy.internal", "is not an IP address")]
    [InlineData("10.0.0.0/8x", "is not a CIDR network")]
    [InlineData("10.0.0.0/40", "is not a CIDR network")]
    [InlineData(" , ", "give IPs, CIDR networks, or * for any")]
    public void Bad_entries_are_usage_errors_naming_the_source(string list, string message)
    {
        var ex = Assert.Throws<UsageException>(() => ForwardedTrust.Parse(list, "FORWARDED_ALLOW_IPS"));
        Assert.StartsWith("FORWARDED_ALLOW_IPS", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void The_flag_wins_over_the_environment()
    {
        var app = Path.GetTempFileName();
        try
        {
            var env = new Dictionary<string, string?> { ["FORWARDED_ALLOW_IPS"] = "*" };
            var config = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
            var fromEnv = GatewayOptions.FromCommandLine(CommandLine.Parse([app]), config, k => env.GetValueOrDefault(k));
            Assert.True(fromEnv.ForwardedTrust.Any);
            var fromFlag = GatewayOptions.FromCommandLine(CommandLine.Parse([app, "--forwarded-allow-ips", "10.0.0.0/8"]), config, k => env.GetValueOrDefault(k));
            Assert.False(fromFlag.ForwardedTrust.Any);
            Assert.Single(fromFlag.ForwardedTrust.Networks);
        }
        finally
        {
            File.Delete(app);
        }
    }
}
