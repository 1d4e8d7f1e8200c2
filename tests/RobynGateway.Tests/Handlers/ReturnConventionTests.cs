using System.Net;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>How each kind of handler return value is answered.</summary>
public sealed class ReturnConventionTests(HandlersAppFactory factory) : IClassFixture<HandlersAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Str_is_text_plain()
    {
        using var r = await _client.GetAsync("/str");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("hello", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bytes_are_octet_stream_and_exact()
    {
        using var r = await _client.GetAsync("/bytes");
        Assert.Equal("application/octet-stream", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\0\u0001binary"u8.ToArray(), await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Dict_is_compact_json_with_unicode_unescaped()
    {
        using var r = await _client.GetAsync("/dict");
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"hello\":\"world\",\"n\":1,\"ünï\":\"cødé\"}", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task List_is_json()
    {
        Assert.Equal("[1,2,3]", await _client.GetStringAsync("/list"));
    }

    [Fact]
    public async Task Tuple_gives_body_headers_and_status()
    {
        using var r = await _client.GetAsync("/tuple");
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Equal("yes", r.Headers.GetValues("x-custom").Single());
        Assert.Equal("made", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Seed_style_response_with_body_keyword()
    {
        using var r = await _client.GetAsync("/response-body");
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal("body", r.Headers.GetValues("x-seed").Single());
        Assert.Equal("seed style", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Robyn_style_response_with_description_keeps_its_content_type()
    {
        using var r = await _client.GetAsync("/response-description");
        Assert.Equal("text/csv", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("a,b\n1,2", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task None_is_the_text_None()
    {
        Assert.Equal("None", await _client.GetStringAsync("/none"));
    }

    [Fact]
    public async Task Decorator_status_code_applies_to_plain_returns()
    {
        using var r = await _client.GetAsync("/status");
        Assert.Equal((HttpStatusCode)418, r.StatusCode);
        Assert.Equal("short and stout", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Async_handler_returns_json()
    {
        using var doc = JsonDocument.Parse(await _client.GetStringAsync("/async"));
        Assert.True(doc.RootElement.GetProperty("async").GetBoolean());
    }

    [Fact]
    public async Task Async_handler_that_awaits_completes()
    {
        Assert.Equal("slept", await _client.GetStringAsync("/async-sleep"));
    }
}
