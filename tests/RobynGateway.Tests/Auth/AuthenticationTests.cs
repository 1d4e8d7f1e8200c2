using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Auth;

/// <summary>auth_required routes: a before hook bound to the route and its method.</summary>
public sealed class AuthenticationTests(AuthAppFactory factory) : IClassFixture<AuthAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    async Task<HttpResponseMessage> Get(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Add("Authorization", token);
        return await _client.SendAsync(request);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer nobody")]
    [InlineData("Basic user-ann")]
    public async Task Without_a_good_token_the_answer_is_401_with_the_getters_challenge(string? token)
    {
        using var r = await Get("/private/me", token);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("BearerGetter", r.Headers.WwwAuthenticate.ToString());
        Assert.Equal("Unauthorized", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_a_good_token_the_handler_and_later_hooks_see_the_identity()
    {
        using var r = await Get("/private/me", "Bearer user-ann");
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ann", body.GetProperty("user").GetString());
        Assert.Equal("ann", body.GetProperty("stamp").GetString());
    }

    [Fact]
    public async Task Only_the_guarded_route_and_method_run_the_check()
    {
        var before = int.Parse(await _client.GetStringAsync("/checks"));
        Assert.Equal("open to all", await _client.GetStringAsync("/private/open"));
        using var post = await _client.PostAsync("/private/me", null);
        Assert.Equal("POST is not guarded", await post.Content.ReadAsStringAsync());
        using var missing = await _client.GetAsync("/private/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(before, int.Parse(await _client.GetStringAsync("/checks")));
    }

    [Fact]
    public async Task A_sub_routers_guarded_route_uses_the_apps_handler()
    {
        using var refused = await Get("/reports/7", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var allowed = await Get("/reports/7", "Bearer user-bo");
        Assert.Equal("report 7 for bo", await allowed.Content.ReadAsStringAsync());
    }
}

/// <summary>auth_required with no handler configured: a clear 500, the rest of the app unaffected.</summary>
public sealed class AuthenticationNotConfiguredTests(AuthUnconfiguredAppFactory factory) : IClassFixture<AuthUnconfiguredAppFactory>
{
    [Fact]
    public async Task The_guarded_route_is_500_and_others_keep_serving()
    {
        var client = factory.CreateClient();
        using var r = await client.GetAsync("/private");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("Internal server error", await r.Content.ReadAsStringAsync());
        Assert.Equal("public", await client.GetStringAsync("/public"));
    }
}
