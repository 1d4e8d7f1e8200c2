using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Sessions;

/// <summary>
/// Signed-cookie sessions through the gateway's hook stages: the client carries the
/// session in its cookie and sends it back by hand (the client keeps no cookies itself).
/// </summary>
public sealed class SessionTests(SessionsAppFactory factory) : IClassFixture<SessionsAppFactory>
{
    readonly HttpClient _client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

    async Task<(int? Count, string? SetCookie)> Send(HttpMethod method, string path, string? cookie)
    {
        using var request = new HttpRequestMessage(method, path);
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var values) ? Assert.Single(values) : null;
        int? count = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            count = body.GetProperty("count").ValueKind == JsonValueKind.Null ? null : body.GetProperty("count").GetInt32();
        }
        return (count, setCookie);
    }

    /// <summary>"sid=value" from a Set-Cookie header, as a browser sends it back.</summary>
    static string CookieOf(string setCookie) => setCookie.Split(';')[0];

    [Theory]
    [InlineData("/counter")]
    [InlineData("/async-counter")]
    public async Task A_counter_is_kept_in_the_session_across_requests(string path)
    {
        string? cookie = null;
        for (var expected = 1; expected <= 3; expected++)
        {
            var (count, setCookie) = await Send(HttpMethod.Get, path, cookie);
            Assert.Equal(expected, count);
            Assert.NotNull(setCookie);
            Assert.StartsWith("sid=", setCookie);
            Assert.EndsWith("; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax", setCookie);
            cookie = CookieOf(setCookie);
        }
        Assert.Equal(3, (await Send(HttpMethod.Get, "/peek", $"theme=dark; {cookie}")).Count);
    }

    [Fact]
    public async Task A_request_that_only_reads_the_session_gets_no_cookie()
    {
        var (_, setCookie) = await Send(HttpMethod.Get, "/counter", null);
        var (count, again) = await Send(HttpMethod.Get, "/peek", CookieOf(setCookie!));
        Assert.Equal(1, count);
        Assert.Null(again);
        Assert.Null((await Send(HttpMethod.Get, "/peek", null)).SetCookie);
    }

    [Fact]
    public async Task A_tampered_cookie_starts_a_fresh_session()
    {
        string? cookie = null;
        for (var i = 0; i < 2; i++) cookie = CookieOf((await Send(HttpMethod.Get, "/counter", cookie)).SetCookie!);
        var last = cookie![^1];
        var tampered = cookie[..^1] + (last == 'A' ? 'B' : 'A');

        Assert.Null((await Send(HttpMethod.Get, "/peek", tampered)).Count);
        var (count, setCookie) = await Send(HttpMethod.Get, "/counter", tampered);
        Assert.Equal(1, count);
        Assert.NotEqual(tampered, CookieOf(setCookie!));
    }

    [Fact]
    public async Task Logging_out_empties_the_session_and_expires_the_cookie()
    {
        var cookie = CookieOf((await Send(HttpMethod.Get, "/counter", null)).SetCookie!);
        var (_, setCookie) = await Send(HttpMethod.Post, "/logout", cookie);
        Assert.Equal("sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax", setCookie);
    }
}
