using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Deployment;

/// <summary>
/// <c>--processes 2 --balance front</c> with TLS: the front terminates it, applies the forwarded headers and
/// answers health. (Under --balance kernel each worker terminates TLS itself: ClientFaultLogTests' TLS cases.)
/// </summary>
public sealed class TlsFront : IAsyncLifetime
{
    public TestCertificate Certificate { get; } = TestCertificate.Create();
    public GatewayProcess Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayProcess.Start("deploy_app.py",
            ["--processes", "2", "--balance", "front", "--ssl-certfile", Certificate.CertFile, "--ssl-keyfile", Certificate.KeyFile]).WaitReadyAsync();

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Certificate.Dispose();
    }
}

public sealed class FrontDeploymentTests(TlsFront front) : IClassFixture<TlsFront>
{
    async Task<JsonElement> WhoAmI(string? localAddress, string? forwardedFor)
    {
        using var client = front.Certificate.ClientFor(front.Gateway.Port, HttpVersion.Version20, localAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task Workers_see_https_and_the_client_the_front_trusted()
    {
        var direct = await WhoAmI(null, null);
        Assert.Equal("https", direct.GetProperty("scheme").GetString());
        Assert.Equal("127.0.0.1", direct.GetProperty("ip").GetString());
        Assert.NotEqual(front.Gateway.Pid, direct.GetProperty("pid").GetInt32());

        // 127.0.0.1 is a trusted proxy by default: its X-Forwarded-For names the client.
        Assert.Equal("203.0.113.7", (await WhoAmI(null, "203.0.113.7")).GetProperty("ip").GetString());
        // Anyone else's is not believed, though the front's own X-Forwarded-For reaches the worker.
        Assert.Equal("127.0.0.2", (await WhoAmI("127.0.0.2", "203.0.113.7")).GetProperty("ip").GetString());
    }

    [Fact]
    public async Task The_front_answers_health_itself_ready_while_its_workers_are()
    {
        using var client = front.Certificate.ClientFor(front.Gateway.Port, HttpVersion.Version20);
        Assert.Equal("ready", await client.GetStringAsync("/__robyn/health/ready"));
        Assert.Equal("live", await client.GetStringAsync("/__robyn/health/live"));
    }

    [Fact]
    public void Under_front_balance_only_the_front_serves_tls()
    {
        Assert.Single(Regex.Matches(front.Gateway.Output, "HTTPS \\(HTTP/2 and HTTP/1.1\\) with"));
        Assert.DoesNotContain("TLS is not enabled", front.Gateway.Output);
    }
}
