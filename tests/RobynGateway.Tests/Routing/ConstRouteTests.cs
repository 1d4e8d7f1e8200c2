using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Routing;

/// <summary>const=True routes: one run at start, then the cached answer.</summary>
public sealed class ConstRouteTests(ConstAppFactory factory) : IClassFixture<ConstAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    async Task<JsonElement> Runs() => await _client.GetFromJsonAsync<JsonElement>("/runs");

    [Fact]
    public async Task A_const_route_ran_once_after_the_startup_handler_and_answers_the_same_every_time()
    {
        for (var i = 0; i < 5; i++)
        {
            using var r = await _client.GetAsync("/const");
            var body = await r.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("made at start", body.GetProperty("greeting").GetString());
            Assert.Equal(1, body.GetProperty("run").GetInt32());
            Assert.Equal("app", Assert.Single(r.Headers.GetValues("x-global")));
        }
        Assert.Equal(1, (await Runs()).GetProperty("const").GetInt32());
    }

    [Fact]
    public async Task An_async_const_route_keeps_its_status_and_headers()
    {
        for (var i = 0; i < 3; i++)
        {
            using var r = await _client.GetAsync("/async-const");
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            Assert.Equal("yes", Assert.Single(r.Headers.GetValues("x-const")));
            Assert.Equal("async run 1", await r.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, (await Runs()).GetProperty("async_const").GetInt32());
    }

    [Fact]
    public async Task Hooks_still_run_for_a_const_route_but_its_handler_does_not()
    {
        for (var i = 0; i < 3; i++)
        {
            using var r = await _client.GetAsync("/hooked/const");
            Assert.Equal("hooked run 1", await r.Content.ReadAsStringAsync());
            Assert.Equal("ran", Assert.Single(r.Headers.GetValues("x-after")));
        }
        Assert.Equal(1, (await Runs()).GetProperty("hooked_const").GetInt32());
    }

    [Fact]
    public async Task A_const_route_answers_get_only()
    {
        using var r = await _client.PostAsync("/const", null);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }
}
