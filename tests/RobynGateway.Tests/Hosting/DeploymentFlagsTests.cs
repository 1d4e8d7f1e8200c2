using RobynGateway.Hosting;

namespace RobynGateway.Tests.Hosting;

/// <summary>The deployment flags on the command line: read, and passed on to the app like the others.</summary>
public sealed class DeploymentFlagsTests
{
    [Fact]
    public void Deployment_flags_are_read_and_passed_on_to_the_app()
    {
        var cli = CommandLine.Parse(["app.py", "--ssl-certfile", "c.pem", "--ssl-keyfile=k.pem",
            "--forwarded-allow-ips", "10.0.0.0/8", "--health-path", "/healthz/"]);
        Assert.Equal("c.pem", cli.Get(GatewayFlags.SslCertFile));
        Assert.Equal("k.pem", cli.Get(GatewayFlags.SslKeyFile));
        Assert.Equal("10.0.0.0/8", cli.Get(GatewayFlags.ForwardedAllowIps));
        Assert.Equal("/healthz", cli.Get(GatewayFlags.HealthPath));
        Assert.Equal(["--ssl-certfile", "c.pem", "--ssl-keyfile", "k.pem", "--forwarded-allow-ips", "10.0.0.0/8",
            "--health-path", "/healthz/"], cli.AppArgs);
    }

    [Fact]
    public void Help_lists_the_deployment_flags()
    {
        foreach (var flag in new[] { "--ssl-certfile <PATH>", "--ssl-keyfile <PATH>", "--forwarded-allow-ips <LIST>", "--health-path <PATH>" })
            Assert.Contains(flag, CommandLine.Usage);
    }
}
