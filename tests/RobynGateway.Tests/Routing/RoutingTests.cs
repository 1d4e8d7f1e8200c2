using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Routing;

/// <summary>Robyn's routing rules, through the gateway's endpoint data source (tests/apps/routing_app.py).</summary>
public sealed class RoutingTests(RoutingAppFactory factory) : IClassFixture<RoutingAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    async Task<(HttpStatusCode Status, string Body, string? ContentType)> Send(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "get items")]
    [InlineData("POST", "post items")]
    [InlineData("PUT", "put items")]
    [InlineData("DELETE", "delete items")]
    [InlineData("PATCH", "patch items")]
    [InlineData("OPTIONS", "options items")]
    public async Task Each_verb_reaches_its_own_handler(string method, string expected)
    {
        var (status, body, _) = await Send(method, "/items");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, body);
    }

    [Fact]
    public async Task Head_runs_its_handler_and_sends_no_body()
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/items"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Root_path_is_a_route()
    {
        Assert.Equal("root", (await Send("GET", "/")).Body);
    }

    [Fact]
    public async Task Path_parameters_reach_the_handler()
    {
        Assert.Equal("user 42", (await Send("GET", "/users/42")).Body);
        Assert.Equal("user 7 post abc", (await Send("GET", "/users/7/posts/abc")).Body);
    }

    [Fact]
    public async Task Static_segment_beats_parameter_whatever_the_registration_order()
    {
        Assert.Equal("static me", (await Send("GET", "/users/me")).Body);
    }

    [Fact]
    public async Task Wildcard_takes_the_rest_of_the_path_including_slashes()
    {
        Assert.Equal("file a/b/c.txt", (await Send("GET", "/files/a/b/c.txt")).Body);
        Assert.Equal("static special", (await Send("GET", "/files/special")).Body);
    }

    [Fact]
    public async Task Wildcard_needs_at_least_one_character()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Send("GET", "/files/")).Status);
    }

    [Fact]
    public async Task One_trailing_slash_is_stripped_before_matching_and_from_url_path()
    {
        Assert.Equal("get items", (await Send("GET", "/items/")).Body);
        Assert.Equal("/echo-path", (await Send("GET", "/echo-path/")).Body);
    }

    [Fact]
    public async Task Unmatched_path_is_404_plain_text()
    {
        var (status, body, type) = await Send("GET", "/nope");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Not found", body);
        Assert.Equal("text/plain", type);
    }

    [Fact]
    public async Task Known_method_on_a_path_registered_for_another_is_404_as_in_robyn()
    {
        var (status, body, _) = await Send("POST", "/only-get");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Not found", body);
    }

    [Fact]
    public async Task Unknown_method_is_405()
    {
        var (status, body, type) = await Send("PROPFIND", "/items");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("Method not allowed", body);
        Assert.Equal("text/plain", type);
    }

    [Fact]
    public async Task Path_parameter_with_encoded_characters_is_decoded()
    {
        Assert.Equal("user a b", (await Send("GET", "/users/a%20b")).Body);
    }
}
