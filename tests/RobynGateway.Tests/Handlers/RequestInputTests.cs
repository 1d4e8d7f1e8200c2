using System.Net;
using System.Text;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>What a handler can read from the request, and the 400s for bad input.</summary>
public sealed class RequestInputTests(HandlersAppFactory factory) : IClassFixture<HandlersAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    static async Task<JsonElement> Json(HttpResponseMessage r)
    {
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Request_json_keeps_json_types()
    {
        using var r = await _client.PostAsync("/json", new StringContent("{\"n\": 5, \"f\": 1.5, \"z\": null}", Encoding.UTF8, "application/json"));
        var json = await Json(r);
        Assert.Equal(5, json.GetProperty("got").GetProperty("n").GetInt32());
        Assert.Equal("int", json.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("got").GetProperty("z").ValueKind);
    }

    [Fact]
    public async Task Malformed_json_makes_the_handler_raise_and_the_server_answers_500_and_keeps_serving()
    {
        using var bad = await _client.PostAsync("/json", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.InternalServerError, bad.StatusCode);
        Assert.Equal("Internal server error", await bad.Content.ReadAsStringAsync());
        Assert.Equal("hello", await _client.GetStringAsync("/str"));
    }

    [Fact]
    public async Task Body_is_str_when_utf8_and_bytes_otherwise()
    {
        var text = await Json(await _client.PostAsync("/body", new StringContent("héllo")));
        Assert.Equal("str", text.GetProperty("kind").GetString());
        Assert.Equal(5, text.GetProperty("length").GetInt32());

        var binary = await Json(await _client.PostAsync("/body", new ByteArrayContent([0xff, 0xfe, 0x00])));
        Assert.Equal("bytes", binary.GetProperty("kind").GetString());
        Assert.Equal(3, binary.GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Request_carries_method_url_headers_and_query()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/request-info/?q=find%20me");
        request.Headers.UserAgent.ParseAdd("tester/1.0");
        var json = await Json(await _client.SendAsync(request));
        Assert.Equal("GET", json.GetProperty("method").GetString());
        Assert.Equal("/request-info", json.GetProperty("path").GetString());
        Assert.Equal("localhost", json.GetProperty("host").GetString());
        Assert.Equal("http", json.GetProperty("scheme").GetString());
        Assert.Equal("tester/1.0", json.GetProperty("agent").GetString());
        Assert.Equal("fallback", json.GetProperty("missing").GetString());
        Assert.Equal("find me", json.GetProperty("q").GetString());
    }

    [Fact]
    public async Task Query_parameters_are_injected_by_name_with_coercion_and_defaults()
    {
        var json = await Json(await _client.GetAsync("/search?q=cats&page=3&exact=yes"));
        Assert.Equal("cats", json.GetProperty("q").GetString());
        Assert.Equal(3, json.GetProperty("page").GetInt32());
        Assert.True(json.GetProperty("exact").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("tags").ValueKind);

        var defaults = await Json(await _client.GetAsync("/search?q=dogs"));
        Assert.Equal(1, defaults.GetProperty("page").GetInt32());
        Assert.False(defaults.GetProperty("exact").GetBoolean());
    }

    [Fact]
    public async Task Missing_required_parameter_is_400_with_its_name()
    {
        using var r = await _client.GetAsync("/search");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Missing required parameter: 'q'", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_query_value_is_400_naming_value_parameter_and_type()
    {
        using var r = await _client.GetAsync("/search?q=x&page=abc");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("Invalid value 'abc' for parameter 'page': expected int", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_path_parameter_is_400()
    {
        using var r = await _client.GetAsync("/typed/not-a-number");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("Invalid value 'not-a-number' for parameter 'id': expected int", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Annotated_parameters_get_path_query_and_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/typed/12?a=1&a=2");
        request.Headers.Add("X-Accept", "yes");
        var json = await Json(await _client.SendAsync(request));
        Assert.Equal(12, json.GetProperty("id").GetInt32());
        Assert.Equal("[\"1\",\"2\"]", json.GetProperty("all").GetProperty("a").GetRawText());
        Assert.Equal("yes", json.GetProperty("accept").GetString());
    }
}
