using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>Response cookies and injected dependencies through the gateway.</summary>
public sealed class CookieAndInjectionTests(CookiesDiAppFactory factory) : IClassFixture<CookiesDiAppFactory>
{
    // No cookie container: it would parse (and reject) the Set-Cookie headers under test.
    readonly HttpClient _client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

    [Fact]
    public async Task Each_cookie_is_one_set_cookie_header_with_its_attributes_and_a_name_set_twice_keeps_the_last()
    {
        using var r = await _client.GetAsync("/cookies");
        var cookies = r.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, cookies.Count);
        var session = Assert.Single(cookies, c => c.StartsWith("session="));
        Assert.Equal("session=abc; Path=/; Domain=example.test; Max-Age=3600; Secure; HttpOnly; SameSite=Strict", session);
        Assert.Equal("theme=dark; SameSite=Lax", Assert.Single(cookies, c => c.StartsWith("theme=")));
    }

    [Theory]
    [InlineData("/deps", "app-db")]
    [InlineData("/reports/deps", "reports-db")]
    public async Task Handlers_get_global_and_router_dependencies(string path, string db)
    {
        var body = await _client.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal("hello", body.GetProperty("global").GetString());
        Assert.Equal(db, body.GetProperty("router").GetString());
    }
}
