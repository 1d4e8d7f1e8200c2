using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hooks;

/// <summary>Global request and response headers, applied by the gateway without hooks.</summary>
public sealed class GlobalHeaderTests(GlobalHeadersAppFactory factory) : IClassFixture<GlobalHeadersAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("/echo", HttpStatusCode.OK)]
    [InlineData("/nowhere", HttpStatusCode.NotFound)]
    [InlineData("/raises", HttpStatusCode.InternalServerError)]
    public async Task Every_answer_gets_the_global_response_headers(string path, HttpStatusCode status)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(status, r.StatusCode);
        Assert.Equal("app", Assert.Single(r.Headers.GetValues("x-global")));
        Assert.Equal(["one", "two"], r.Headers.GetValues("x-multi"));
    }

    [Fact]
    public async Task An_oversized_body_is_413_with_the_global_headers()
    {
        using var r = await _client.PostAsync("/body", new ByteArrayContent(new byte[1_000_001]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Equal("app", Assert.Single(r.Headers.GetValues("x-global")));
    }

    [Fact]
    public async Task A_header_the_handler_set_wins_and_is_not_duplicated()
    {
        using var r = await _client.GetAsync("/own");
        Assert.Equal("handler", Assert.Single(r.Headers.GetValues("x-global")));
        Assert.Equal(["one", "two"], r.Headers.GetValues("x-multi"));
    }

    [Fact]
    public async Task Excluded_paths_get_no_global_response_headers()
    {
        using var r = await _client.GetAsync("/excluded");
        Assert.Equal("without globals", await r.Content.ReadAsStringAsync());
        Assert.False(r.Headers.Contains("x-global"));
        Assert.False(r.Headers.Contains("x-multi"));
        using var slash = await _client.GetAsync("/excluded/");
        Assert.False(slash.Headers.Contains("x-global"));
    }

    [Fact]
    public async Task Global_request_headers_reach_the_handler_set_replacing_and_add_appending()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo")
        {
            Headers = { { "X-Replaced", "by-the-client" }, { "X-Added", "by-the-client" } },
        };
        using var r = await _client.SendAsync(request);
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["by-the-app"], body.GetProperty("replaced").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["by-the-client", "by-the-app"], body.GetProperty("added").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("by-the-client")]
    public async Task A_global_x_request_id_is_the_one_python_sees_once_and_the_response_keeps_the_gateways(string? sent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo");
        if (sent is not null) request.Headers.Add("X-Request-ID", sent);
        using var r = await _client.SendAsync(request);
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["by-the-app"], body.GetProperty("request_ids").EnumerateArray().Select(e => e.GetString()));
        var returned = r.Headers.GetValues("X-Request-ID").Single();
        if (sent is null) Assert.Matches("^[0-9a-f]{32}$", returned);
        else Assert.Equal(sent, returned);
    }

    [Fact]
    public async Task A_request_without_those_headers_still_gets_them()
    {
        var body = await _client.GetFromJsonAsync<JsonElement>("/echo");
        Assert.Equal(["by-the-app"], body.GetProperty("replaced").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["by-the-app"], body.GetProperty("added").EnumerateArray().Select(e => e.GetString()));
    }
}
