using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Examples;

/// <summary>examples/shop: most features together, the way a user would call them.</summary>
public sealed class ShopExampleTests(ShopExampleFactory factory) : IClassFixture<ShopExampleFactory>
{
    readonly HttpClient _client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

    HttpRequestMessage Admin(HttpMethod method, string path, HttpContent? content = null) =>
        new(method, path) { Content = content, Headers = { { "Authorization", "Bearer admin-token" } } };

    [Fact]
    public async Task The_front_page_is_a_template_rendered_once_with_the_global_header()
    {
        using var r = await _client.GetAsync("/");
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<li>Teapot: 18.00</li>", await r.Content.ReadAsStringAsync());
        Assert.Equal("robyn-gateway", Assert.Single(r.Headers.GetValues("x-shop")));
    }

    [Fact]
    public async Task The_cart_lives_in_the_session_cookie()
    {
        using var added = await _client.PostAsync("/cart/2", null);
        var cookie = Assert.Single(added.Headers.GetValues("Set-Cookie")).Split(';')[0];
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cart") { Headers = { { "Cookie", cookie } } };
        using var cart = await _client.SendAsync(request);
        Assert.Equal([2], (await cart.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().Select(e => e.GetInt32()));
        using var missing = await _client.PostAsync("/cart/99", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Admin_routes_need_the_token_and_validate_the_body()
    {
        using var refused = await _client.PostAsync("/admin/products", JsonContent.Create(new { name = "Pot", price = 9.5 }));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var invalid = await _client.SendAsync(Admin(HttpMethod.Post, "/admin/products", JsonContent.Create(new { name = "", price = -1 })));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);

        using var added = await _client.SendAsync(Admin(HttpMethod.Post, "/admin/products", JsonContent.Create(new { name = "Pot", price = 9.5 })));
        Assert.Equal("Pot", (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal("yes", Assert.Single(added.Headers.GetValues("x-audited"))); // the sub-router's after hook
    }

    [Fact]
    public async Task A_photo_upload_is_parsed_by_the_gateway()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[1234]), "photo", "pot.jpg" } };
        using var r = await _client.SendAsync(Admin(HttpMethod.Post, "/admin/products/1/photo", form));
        Assert.Equal(1234, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files").GetProperty("pot.jpg").GetInt32());
    }

    [Fact]
    public async Task Prices_stream_as_server_sent_events()
    {
        using var r = await _client.GetAsync("/prices");
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType?.MediaType);
        var text = await r.Content.ReadAsStringAsync();
        Assert.Contains("event: price\ndata: Teapot=18.0\n\n", text);
    }

    [Fact]
    public async Task The_docs_describe_the_admin_route_as_secured()
    {
        var spec = await _client.GetFromJsonAsync<JsonElement>("/openapi.json");
        var add = spec.GetProperty("paths").GetProperty("/admin/products").GetProperty("post");
        Assert.Equal("BearerAuth", add.GetProperty("security")[0].EnumerateObject().Single().Name);
        Assert.Equal("Adds a product (admins only).", add.GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_preflight_from_the_shops_origin_is_answered_and_another_origin_is_refused()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/cart/1")
        {
            Headers = { { "Origin", "https://shop.example" }, { "Access-Control-Request-Method", "POST" } },
        };
        using var ok = await _client.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        using var other = new HttpRequestMessage(HttpMethod.Get, "/products") { Headers = { { "Origin", "https://evil.example" } } };
        using var refused = await _client.SendAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
