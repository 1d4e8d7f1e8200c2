using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Web;

/// <summary>deploy_app.py on a real gateway with the default trust: only 127.0.0.1 is a proxy.</summary>
public sealed class DefaultTrustGateway : IAsyncLifetime
{
    public GatewayProcess Gateway { get; private set; } = null!;
    public async Task InitializeAsync() => Gateway = await GatewayProcess.Start("deploy_app.py").WaitReadyAsync();
    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>
/// X-Forwarded-For / X-Forwarded-Proto over real sockets. Clients connect from 127.0.0.1 (a trusted
/// proxy by default) or from 127.0.0.2 (anyone else), both on this machine's loopback.
/// </summary>
public sealed class ForwardedHeadersProcessTests(DefaultTrustGateway trusted) : IClassFixture<DefaultTrustGateway>
{
    internal static async Task<JsonElement> WhoAmI(HttpClient client, string? forwardedFor, string? forwardedProto = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task From_a_trusted_proxy_the_app_sees_the_client_address_and_scheme_and_the_headers_unchanged()
    {
        var seen = await WhoAmI(trusted.Gateway.Client, "203.0.113.7", "https");
        Assert.Equal("203.0.113.7", seen.GetProperty("ip").GetString());
        Assert.Equal("https", seen.GetProperty("scheme").GetString());
        Assert.Equal("203.0.113.7", seen.GetProperty("forwarded_for").GetString());
        Assert.Equal("https", seen.GetProperty("forwarded_proto").GetString());
    }

    [Fact]
    public async Task The_client_is_the_rightmost_address_the_trusted_proxy_did_not_add_itself()
    {
        // The proxy appends its peer; whatever the client wrote before that is not believed.
        var seen = await WhoAmI(trusted.Gateway.Client, "6.6.6.6, 198.51.100.4");
        Assert.Equal("198.51.100.4", seen.GetProperty("ip").GetString());
        Assert.Equal("http", seen.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task From_an_untrusted_peer_the_headers_change_nothing_but_still_reach_the_app()
    {
        using var client = LoopbackClient.From("127.0.0.2", trusted.Gateway.Port);
        var seen = await WhoAmI(client, "203.0.113.7", "https");
        Assert.Equal("127.0.0.2", seen.GetProperty("ip").GetString());
        Assert.Equal("http", seen.GetProperty("scheme").GetString());
        Assert.Equal("203.0.113.7", seen.GetProperty("forwarded_for").GetString());
    }

    [Fact]
    public async Task Without_the_headers_the_peer_is_the_client()
    {
        var seen = await WhoAmI(trusted.Gateway.Client, null);
        Assert.Equal("127.0.0.1", seen.GetProperty("ip").GetString());
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("forwarded_for").ValueKind);
    }

    [Fact]
    public async Task A_trusted_network_is_walked_through_to_the_first_untrusted_address()
    {
        await using var gateway = await GatewayProcess.Start("deploy_app.py", ["--forwarded-allow-ips", "127.0.0.0/8"]).WaitReadyAsync();
        using var client = LoopbackClient.From("127.0.0.2", gateway.Port);
        var seen = await WhoAmI(client, "6.6.6.6, 198.51.100.4, 127.0.0.9", "https, http");
        Assert.Equal("198.51.100.4", seen.GetProperty("ip").GetString());
        // The scheme the outermost proxy saw is the one the client used.
        Assert.Equal("https", seen.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Star_trusts_every_peer_and_takes_the_leftmost_address_as_uvicorn_does()
    {
        await using var gateway = await GatewayProcess.Start("deploy_app.py", env: new Dictionary<string, string> { ["FORWARDED_ALLOW_IPS"] = "*" }).WaitReadyAsync();
        using var client = LoopbackClient.From("127.0.0.2", gateway.Port);
        var seen = await WhoAmI(client, "6.6.6.6, 198.51.100.4");
        Assert.Equal("6.6.6.6", seen.GetProperty("ip").GetString());
    }
}
