using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>
/// Pydantic models through the gateway, with the interpreter on PATH, which has
/// pydantic 2 on this machine.
/// </summary>
public sealed class PydanticTests(PydanticAppFactory factory) : IClassFixture<PydanticAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task A_valid_body_becomes_the_model_and_a_returned_model_is_json()
    {
        using var r = await _client.PostAsync("/items", JsonContent.Create(new { name = "pen", price = 1.25, tags = new[] { "office" } }));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"name\":\"PEN\",\"price\":2.5,\"tags\":[\"office\"]}", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_list_of_models_is_a_json_array()
    {
        var items = await _client.GetFromJsonAsync<JsonElement>("/items");
        Assert.Equal(2, items.GetArrayLength());
        Assert.Equal("x", items[1].GetProperty("tags")[0].GetString());
    }

    [Theory]
    [InlineData("{\"name\":\"\",\"price\":1}", "name")]
    [InlineData("{\"name\":\"pen\"}", "price")]
    [InlineData("{\"name\":\"pen\",\"price\":\"lots\"}", "price")]
    public async Task An_invalid_body_is_422_with_pydantics_errors(string json, string field)
    {
        using var r = await _client.PostAsync("/items", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Validation Error", body.GetProperty("error").GetString());
        var error = Assert.Single(body.GetProperty("detail").EnumerateArray());
        Assert.Equal(field, error.GetProperty("loc")[0].GetString());
    }

    [Fact]
    public async Task Malformed_json_is_422_too_and_the_server_keeps_serving()
    {
        using var r = await _client.PostAsync("/items", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Equal("json_invalid", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail")[0].GetProperty("type").GetString());
        Assert.Equal(2, (await _client.GetFromJsonAsync<JsonElement>("/items")).GetArrayLength());
    }
}
