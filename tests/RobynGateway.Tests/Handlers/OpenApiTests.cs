using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>/openapi.json and /docs, served as const routes by the gateway.</summary>
public sealed class OpenApiTests(PydanticAppFactory factory) : IClassFixture<PydanticAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task The_spec_lists_the_apps_routes_with_their_pydantic_schemas()
    {
        var spec = await _client.GetFromJsonAsync<JsonElement>("/openapi.json");
        Assert.Equal("3.1.0", spec.GetProperty("openapi").GetString());
        var create = spec.GetProperty("paths").GetProperty("/items").GetProperty("post");
        // As Robyn 0.88: the model's own schema inline (the models it nests go to components.schemas).
        var schema = create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal("Item", schema.GetProperty("title").GetString());
        Assert.Equal("string", schema.GetProperty("properties").GetProperty("name").GetProperty("type").GetString());
        Assert.False(spec.GetProperty("paths").TryGetProperty("/docs", out _));
    }

    [Fact]
    public async Task The_docs_page_is_swagger_ui_pointing_at_the_spec()
    {
        using var r = await _client.GetAsync("/docs");
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        var page = await r.Content.ReadAsStringAsync();
        Assert.Contains("swagger-ui", page);
        Assert.Contains("url: \"/openapi.json\"", page);
    }
}
