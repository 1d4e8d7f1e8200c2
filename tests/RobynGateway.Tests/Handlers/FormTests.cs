using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Handlers;

/// <summary>Multipart forms parsed by the gateway, and what is not multipart.</summary>
public sealed class FormTests(FormsAppFactory factory) : IClassFixture<FormsAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Text_parts_are_form_data_and_file_parts_are_files_keyed_by_filename()
    {
        var file = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        using var content = new MultipartFormDataContent
        {
            { new StringContent("hello"), "title" },
            { new StringContent("grüße"), "greeting" },
            { new ByteArrayContent(file), "upload", "all-bytes.bin" },
        };
        using var r = await _client.PostAsync("/form", content);
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("hello", body.GetProperty("form").GetProperty("title").GetString());
        Assert.Equal("grüße", body.GetProperty("form").GetProperty("greeting").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), body.GetProperty("files").GetProperty("all-bytes.bin").GetString());
        Assert.Equal(256, body.GetProperty("sizes").GetProperty("all-bytes.bin").GetInt32());
        Assert.False(body.GetProperty("form").TryGetProperty("upload", out _));
    }

    [Fact]
    public async Task An_urlencoded_body_stays_raw_as_in_robyn_and_is_parsed_into_form_data()
    {
        using var r = await _client.PostAsync("/raw", new FormUrlEncodedContent([new("hello", "world"), new("greeting", "hi there")]));
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("hello=world&greeting=hi+there", body.GetProperty("body").GetString());
        Assert.Equal("world", body.GetProperty("form").GetProperty("hello").GetString());
        Assert.Equal("hi there", body.GetProperty("form").GetProperty("greeting").GetString());
    }

    [Theory]
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary")]
    [InlineData("--b\r\nthis is not a header line\r\n\r\nx\r\n--b--\r\n")]
    [InlineData("no boundary anywhere in this body")]
    public async Task A_malformed_multipart_body_is_400_and_the_server_keeps_serving(string raw)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(raw));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        using var r = await _client.PostAsync("/form", content);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.StartsWith("Malformed multipart/form-data body", await r.Content.ReadAsStringAsync());
        Assert.Equal("pong", await _client.GetStringAsync("/ping"));
    }

    [Fact]
    public async Task Too_many_parts_is_400()
    {
        var raw = new StringBuilder();
        for (var i = 0; i < 1025; i++) raw.Append($"--b\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv\r\n");
        raw.Append("--b--\r\n");
        using var content = new StringContent(raw.ToString());
        content.Headers.ContentType = null;
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=\"b\"");
        using var r = await _client.PostAsync("/form", content);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("1024 parts", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_multipart_body_over_the_payload_limit_is_413()
    {
        using var content = new MultipartFormDataContent { { new ByteArrayContent(new byte[1_000_001]), "big", "big.bin" } };
        using var r = await _client.PostAsync("/form", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
    }
}
