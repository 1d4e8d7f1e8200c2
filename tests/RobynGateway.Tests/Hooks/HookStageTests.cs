using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hooks;

/// <summary>
/// Scoped before/after hooks as pipeline stages: order, what their return values do,
/// failures, and that a request no hook applies to never runs one.
/// </summary>
public sealed class HookStageTests(HooksAppFactory factory) : IClassFixture<HooksAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    async Task<int> HookCalls() => int.Parse(await _client.GetStringAsync("/hook-calls"));

    [Fact]
    public async Task Before_hooks_run_in_registration_order_then_the_handler_then_the_after_hooks()
    {
        using var r = await _client.GetAsync("/api/items/7");
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        // global-less app: /api/* hooks first (sync, then async), then the /api/items/:item_id one,
        // whose own path parameter it saw; the handler saw every change to the request's headers.
        Assert.Equal("first;second;item=7;", body.GetProperty("trace").GetString());
        Assert.Equal("7", body.GetProperty("id").GetString());
        Assert.Equal("first;second;GET;", Assert.Single(r.Headers.GetValues("x-after")));
    }

    [Fact]
    public async Task A_prefix_wildcard_covers_the_prefix_itself()
    {
        Assert.Equal("first;second;", await _client.GetStringAsync("/api"));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Scoped_hooks_run_for_every_method_not_only_get(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/api/items") { Content = JsonContent.Create(new { a = 1 }) };
        using var r = await _client.SendAsync(request);
        Assert.Equal($"first;second;{method};", Assert.Single(r.Headers.GetValues("x-after")));
        if (method == "POST")
        {
            var body = await r.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("first;second;", body.GetProperty("trace").GetString());
            Assert.Equal(1, body.GetProperty("body").GetProperty("a").GetInt32());
        }
        else Assert.Equal(HttpStatusCode.NotFound, r.StatusCode); // no such route, hooks still ran
    }

    [Fact]
    public async Task A_path_no_hook_covers_never_runs_a_hook()
    {
        var before = await HookCalls();
        for (var i = 0; i < 5; i++) Assert.Equal("plain", await _client.GetStringAsync("/plain"));
        Assert.Equal(before, await HookCalls());
    }

    [Fact]
    public async Task Short_circuit_skips_the_handler_and_the_after_hooks_still_run()
    {
        using var refused = await _client.GetAsync("/guarded/secret");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("no entry", await refused.Content.ReadAsStringAsync());
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal("401", Assert.Single(refused.Headers.GetValues("x-guarded-after")));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/guarded/secret") { Headers = { { "Authorization", "Bearer good" } } };
        using var allowed = await _client.SendAsync(request);
        Assert.Equal("the secret", await allowed.Content.ReadAsStringAsync());
        Assert.Equal("200", Assert.Single(allowed.Headers.GetValues("x-guarded-after")));
    }

    [Theory]
    [InlineData("/answers/dict", 200, "application/json", "{\"answered\":\"by the hook\"}")]
    [InlineData("/answers/text", 200, "text/plain", "hook text")]
    [InlineData("/answers/tuple", 418, null, "teapot")]
    public async Task A_before_hook_may_answer_with_what_a_handler_may_return(string path, int status, string? type, string body)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(status, (int)r.StatusCode);
        Assert.Equal(type, r.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body, await r.Content.ReadAsStringAsync());
        if (path.EndsWith("tuple")) Assert.Equal("hook", Assert.Single(r.Headers.GetValues("x-from")));
    }

    [Theory]
    [InlineData("/fails/raise")]
    [InlineData("/fails/none")]
    [InlineData("/fails/junk")]
    [InlineData("/fails/bad-tuple")]
    public async Task A_before_hook_that_raises_or_returns_none_or_junk_is_500_at_once(string path)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("Internal server error", await r.Content.ReadAsStringAsync());
        Assert.False(r.Headers.Contains("x-after-ran")); // Robyn skips the after hooks then
        using var fine = await _client.GetAsync("/fails/fine");
        Assert.Equal("the handler ran", await fine.Content.ReadAsStringAsync());
        Assert.Equal("yes", Assert.Single(fine.Headers.GetValues("x-after-ran")));
    }

    [Fact]
    public async Task An_after_hook_that_raises_is_500_keeping_the_headers_set_so_far()
    {
        using var r = await _client.GetAsync("/after-fails/raise");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("set before the failure", Assert.Single(r.Headers.GetValues("x-kept")));
        Assert.Equal("Internal server error", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_after_hook_that_returns_something_else_than_a_response_is_500()
    {
        using var r = await _client.GetAsync("/after-fails/junk");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("Internal server error", await r.Content.ReadAsStringAsync());
        Assert.Equal("plain", await _client.GetStringAsync("/plain"));
    }

    [Fact]
    public async Task An_after_hook_may_change_status_headers_and_body()
    {
        using var edited = await _client.GetAsync("/rewrite");
        Assert.Equal(HttpStatusCode.Accepted, edited.StatusCode);
        Assert.Equal("rewritten from: original", await edited.Content.ReadAsStringAsync());
        Assert.Equal("yes", Assert.Single(edited.Headers.GetValues("x-rewritten")));

        using var replaced = await _client.GetAsync("/rewrite?body=other");
        Assert.Equal((HttpStatusCode)203, replaced.StatusCode);
        Assert.Equal("replaced", await replaced.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task After_hooks_see_the_500_of_a_handler_that_raised()
    {
        using var r = await _client.GetAsync("/handler-raises");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("500", Assert.Single(r.Headers.GetValues("x-after-ran")));
        Assert.Equal("Internal server error", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Hooks_apply_to_paths_no_route_matches()
    {
        using var missing = await _client.GetAsync("/missing/page");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("Not found", await missing.Content.ReadAsStringAsync());
        Assert.Equal("404", Assert.Single(missing.Headers.GetValues("x-missing-after")));

        using var blocked = await _client.GetAsync("/blocked/anything");
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Equal("blocked by a hook", await blocked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_guard_on_a_prefix_covers_other_spellings_routing_accepts()
    {
        using var r = await _client.GetAsync("/GUARDED/secret");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using var encoded = await _client.GetAsync("/guard%65d/secret");
        Assert.Equal(HttpStatusCode.Unauthorized, encoded.StatusCode);
    }

    [Fact]
    public async Task Many_concurrent_hooked_requests_each_get_their_own_answer()
    {
        var tasks = Enumerable.Range(0, 200).Select(async i =>
        {
            using var r = await _client.GetAsync($"/api/items/{i}");
            var body = await r.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal($"first;second;item={i};", body.GetProperty("trace").GetString());
            Assert.Equal(i.ToString(), body.GetProperty("id").GetString());
        });
        await Task.WhenAll(tasks);
    }
}
