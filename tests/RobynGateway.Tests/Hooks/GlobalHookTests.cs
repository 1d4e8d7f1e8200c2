using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hooks;

/// <summary>Global hooks: one contextvars context per request across stages, and the global headers they see.</summary>
public sealed class GlobalHookTests(GlobalHooksAppFactory factory) : IClassFixture<GlobalHooksAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    async Task<(JsonElement Body, HttpResponseMessage Response)> Get(string path, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Request-Id", requestId } } };
        var response = await _client.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(), response);
    }

    [Theory]
    [InlineData("/sync")]
    [InlineData("/async")]
    public async Task Before_hook_handler_and_after_hook_share_one_context(string path)
    {
        var (body, response) = await Get(path, "req-1");
        using (response)
        {
            Assert.Equal("req-1", body.GetProperty("context").GetString());
            Assert.Equal("yes", body.GetProperty("stamped").GetString());
            Assert.Equal("req-1", Assert.Single(response.Headers.GetValues("x-context-after")));
        }
    }

    [Fact]
    public async Task Concurrent_requests_never_see_each_others_context()
    {
        var tasks = Enumerable.Range(0, 100).Select(async i =>
        {
            var (body, response) = await Get(i % 2 == 0 ? "/async" : "/sync", $"id-{i}");
            using (response)
            {
                Assert.Equal($"id-{i}", body.GetProperty("context").GetString());
                Assert.Equal($"id-{i}", Assert.Single(response.Headers.GetValues("x-context-after")));
            }
        });
        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task Global_response_headers_are_merged_before_the_after_hooks_run()
    {
        var (_, response) = await Get("/sync", "x");
        using (response)
        {
            Assert.Equal("app", Assert.Single(response.Headers.GetValues("x-global-seen-by-after")));
            Assert.Equal("app", Assert.Single(response.Headers.GetValues("x-global")));
        }
    }

    [Fact]
    public async Task A_404_and_a_500_go_through_the_global_hooks_with_the_global_headers()
    {
        foreach (var (path, status) in new[] { ("/nowhere", HttpStatusCode.NotFound), ("/raises", HttpStatusCode.InternalServerError) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Request-Id", "edge" } } };
            using var r = await _client.SendAsync(request);
            Assert.Equal(status, r.StatusCode);
            Assert.Equal("edge", Assert.Single(r.Headers.GetValues("x-context-after")));
            Assert.Equal("app", Assert.Single(r.Headers.GetValues("x-global")));
        }
    }
}
