using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>Handlers that fail, and bodies over the limit: a clear status, and the server keeps serving.</summary>
public sealed class ErrorTests(HandlersAppFactory factory) : IClassFixture<HandlersAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("/raise")]
    [InlineData("/async-raise")]
    public async Task Handler_that_raises_is_500_without_traceback(string path)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        var body = await r.Content.ReadAsStringAsync();
        Assert.Equal("Internal server error", body);
        Assert.Equal("hello", await _client.GetStringAsync("/str"));
    }

    [Theory]
    [InlineData("/junk-return")]
    [InlineData("/bad-status")]
    [InlineData("/bad-header")]
    public async Task Return_value_the_gateway_cannot_send_is_500_and_the_server_keeps_serving(string path)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.False(r.Headers.Contains("Injected"));
        Assert.Equal("hello", await _client.GetStringAsync("/str"));
    }

    [Theory]
    [InlineData("/exit")]
    [InlineData("/async-exit")]
    public async Task Handler_raising_systemexit_or_keyboardinterrupt_is_500_and_its_thread_keeps_serving(string path)
    {
        using var r = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("hello", await _client.GetStringAsync("/str"));
        Assert.Equal("slept", await _client.GetStringAsync("/async-sleep"));
    }

    [Fact]
    public async Task Exception_handler_answers_for_routes_registered_after_it()
    {
        using var r = await _client.GetAsync("/handled");
        Assert.Equal((HttpStatusCode)599, r.StatusCode);
        Assert.StartsWith("handled: ", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Body_over_the_payload_limit_is_413_and_the_next_request_works()
    {
        using var r = await _client.PostAsync("/body", new ByteArrayContent(new byte[1_000_001]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Contains("1000000", await r.Content.ReadAsStringAsync());
        using var ok = await _client.PostAsync("/body", new ByteArrayContent(new byte[1_000_000]));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413()
    {
        var content = new StreamContent(new MemoryStream(new byte[1_500_000]));
        content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/body") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var r = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
    }
}
