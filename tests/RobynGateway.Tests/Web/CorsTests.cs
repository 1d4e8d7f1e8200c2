using System.Net;

namespace RobynGateway.Tests.Web;

static class Cors
{
    public static HttpRequestMessage Request(HttpMethod method, string path, string? origin)
    {
        var request = new HttpRequestMessage(method, path);
        if (origin is not null) request.Headers.Add("Origin", origin);
        return request;
    }

    public static HttpRequestMessage Preflight(string path, string origin, string method = "POST", string? headers = null)
    {
        var request = Request(HttpMethod.Options, path, origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers is not null) request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    public static string[] Values(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var values) ? values.ToArray() : [];

    /// <summary>Comma-separated list headers, split and trimmed.</summary>
    public static string[] Tokens(HttpResponseMessage r, string name) =>
        Values(r, name).SelectMany(v => v.Split(',')).Select(v => v.Trim()).ToArray();

    public static async Task AssertRefused(HttpResponseMessage r)
    {
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
        Assert.Empty(Values(r, "Access-Control-Allow-Origin"));
    }
}

/// <summary><c>ALLOW_CORS</c> with a list of origins and an extra header (tests/apps/cors_app.py).</summary>
public sealed class CorsTests(CorsAppFactory factory) : IClassFixture<CorsAppFactory>
{
    const string Allowed = "https://allowed.example";
    readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Preflight_from_an_allowed_origin_is_204_with_the_policy_though_no_options_route_exists()
    {
        // No OPTIONS route: without preflight headers the app answers OPTIONS with its 404.
        using var plain = await _client.SendAsync(Cors.Request(HttpMethod.Options, "/data", origin: null));
        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode);

        using var r = await _client.SendAsync(Cors.Preflight("/data", Allowed, "PUT", "X-Custom, Content-Type"));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
        Assert.Equal([Allowed], Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.Equal(["true"], Cors.Values(r, "Access-Control-Allow-Credentials"));
        Assert.Equal(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], Cors.Tokens(r, "Access-Control-Allow-Methods"));
        Assert.Equal(["X-Custom", "Content-Type", "Authorization"], Cors.Tokens(r, "Access-Control-Allow-Headers"));
        Assert.Equal(["3600"], Cors.Values(r, "Access-Control-Max-Age"));
    }

    [Fact]
    public async Task Preflight_from_another_origin_is_403_with_an_empty_body()
    {
        using var r = await _client.SendAsync(Cors.Preflight("/data", "https://evil.example"));
        await Cors.AssertRefused(r);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Request_from_an_allowed_origin_echoes_it_once_with_credentials(string method)
    {
        using var r = await _client.SendAsync(Cors.Request(new HttpMethod(method), "/data", "https://second.example"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(["https://second.example"], Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.Equal(["true"], Cors.Values(r, "Access-Control-Allow-Credentials"));
        Assert.Equal(["Origin"], Cors.Tokens(r, "Vary"));
        Assert.NotEmpty(await r.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("GET", "https://evil.example")]
    [InlineData("POST", "https://evil.example")]
    [InlineData("GET", "https://ALLOWED.example")] // origins compare exactly
    [InlineData("GET", "null")]
    public async Task Request_from_another_origin_is_403_with_an_empty_body(string method, string origin)
    {
        using var r = await _client.SendAsync(Cors.Request(new HttpMethod(method), "/data", origin));
        await Cors.AssertRefused(r);
    }

    [Fact]
    public async Task Handlers_own_allow_origin_and_vary_are_kept_not_doubled()
    {
        using var r = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/own-cors", Allowed));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(["https://custom.example"], Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.Equal(["Origin"], Cors.Tokens(r, "Vary"));
        Assert.Equal("own", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Handlers_vary_is_kept_and_origin_added()
    {
        using var r = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/vary-language", Allowed));
        Assert.Equal(["Accept-Language", "Origin"], Cors.Tokens(r, "Vary"));
        Assert.Equal([Allowed], Cors.Values(r, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Request_without_origin_gets_robyns_headers_but_no_origin_of_the_list()
    {
        // As Robyn: ALLOW_CORS's headers are on every answer. With several origins Robyn would send
        // "*"; we send none until a listed Origin asks, and then echo it.
        using var r = await _client.GetAsync("/data");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], Cors.Tokens(r, "Access-Control-Allow-Methods"));
        Assert.Equal(["X-Custom", "Content-Type", "Authorization"], Cors.Tokens(r, "Access-Control-Allow-Headers"));
        Assert.Equal(["true"], Cors.Values(r, "Access-Control-Allow-Credentials"));
        Assert.Empty(Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.Empty(Cors.Values(r, "Vary"));
    }

    [Fact]
    public async Task Robyns_headers_are_on_404s_too()
    {
        using var r = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/nowhere", Allowed));
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal([Allowed], Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.NotEmpty(Cors.Values(r, "Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task Static_files_get_the_same_policy()
    {
        using var allowed = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/static/hello.txt", Allowed));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal([Allowed], Cors.Values(allowed, "Access-Control-Allow-Origin"));
        using var refused = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/static/hello.txt", "https://evil.example"));
        await Cors.AssertRefused(refused);
    }
}

/// <summary>
/// <c>ALLOW_CORS(app, "*")</c>: every origin may read, as a literal <c>*</c>. The caller's origin is
/// never echoed back with credentials, which would let any site read a logged-in user's answers;
/// browsers refuse <c>*</c> for credentialed requests.
/// </summary>
public sealed class CorsAnyOriginTests(CorsAnyAppFactory factory) : IClassFixture<CorsAnyAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("https://anyone.example")]
    [InlineData("http://localhost:3000")]
    [InlineData("null")]
    public async Task Any_origin_gets_a_literal_star_never_its_own_origin(string origin)
    {
        using var r = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/data", origin));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(["*"], Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.DoesNotContain("Origin", Cors.Tokens(r, "Vary"));
    }

    [Fact]
    public async Task Preflight_answers_star_without_credentials()
    {
        using var r = await _client.SendAsync(Cors.Preflight("/data", "https://anyone.example", "DELETE"));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(["*"], Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.Empty(Cors.Values(r, "Access-Control-Allow-Credentials"));
        Assert.Equal(["Content-Type", "Authorization"], Cors.Tokens(r, "Access-Control-Allow-Headers"));
    }

    [Fact]
    public async Task Static_files_answer_star_without_credentials()
    {
        using var r = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/static/hello.txt", "https://evil.example"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(["*"], Cors.Values(r, "Access-Control-Allow-Origin"));
        Assert.Empty(Cors.Values(r, "Access-Control-Allow-Credentials"));
    }
}

/// <summary><c>ALLOW_CORS(app, "https://only.example")</c>: one origin as a string.</summary>
public sealed class CorsOneOriginTests(CorsOneAppFactory factory) : IClassFixture<CorsOneAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task The_origin_is_allowed_and_others_refused()
    {
        using var allowed = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/data", "https://only.example"));
        Assert.Equal(["https://only.example"], Cors.Values(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal("data", await allowed.Content.ReadAsStringAsync());
        using var refused = await _client.SendAsync(Cors.Request(HttpMethod.Get, "/data", "https://other.example"));
        await Cors.AssertRefused(refused);
    }
}
