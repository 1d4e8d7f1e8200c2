using System.Net.WebSockets;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.WebSockets;

/// <summary>Robyn 0.88's API: <c>@app.websocket(path)</c> handlers pulling messages, with on_connect / on_close.</summary>
public sealed class DecoratorApiTests(WebSocketAppFactory factory) : IClassFixture<WebSocketAppFactory>
{
    Task<SocketClient> Connect(string path) => SocketClient.ConnectAsync(factory.SocketUri(path));

    [Fact]
    public async Task On_connect_answers_first_then_the_handler_echoes()
    {
        await using var client = await Connect("/echo");
        Assert.Equal("connected", await client.ReceiveTextAsync());
        Assert.Equal("one", await client.AskAsync("one"));
        Assert.Equal("two", await client.AskAsync("two"));
    }

    [Fact]
    public async Task Query_parameters_are_injected_by_name_with_their_type()
    {
        await using var client = await Connect("/echo?times=3");
        await client.ReceiveTextAsync();
        await client.SendAsync("x");
        for (var i = 0; i < 3; i++) Assert.Equal("x", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task An_invalid_or_missing_query_parameter_is_reported_and_the_connection_closed()
    {
        await using (var bad = await Connect("/echo?times=many"))
        {
            Assert.Equal("Error: Invalid value 'many' for parameter 'times': expected int", await bad.ReceiveTextAsync());
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await bad.ReceiveCloseAsync()).CloseStatus);
        }
        await using (var missing = await Connect("/strict"))
        {
            Assert.Equal("Error: Missing required parameter: 'room'", await missing.ReceiveTextAsync());
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await missing.ReceiveCloseAsync()).CloseStatus);
        }
        await using var good = await Connect("/strict?room=7");
        Assert.Equal("room 7", await good.ReceiveTextAsync());
    }

    [Fact]
    public async Task Json_and_bytes_go_both_ways()
    {
        await using var client = await Connect("/echo");
        await client.ReceiveTextAsync();
        await client.SendAsync("json");
        await client.SendAsync("""{"a": [1, 2]}""");
        using var doc = JsonDocument.Parse(await client.ReceiveTextAsync());
        Assert.Equal(2, doc.RootElement.GetProperty("value").GetProperty("a")[1].GetInt32());

        await client.SendAsync("bytes");
        await client.SendAsync([0xff, 0x00]);
        var reply = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, reply.Type);
        Assert.Equal(new byte[] { 0xff, 0x00, (byte)'!' }, reply.Data);
    }

    [Fact]
    public async Task Global_dependencies_are_injected()
    {
        await using var client = await Connect("/echo");
        await client.ReceiveTextAsync();
        Assert.Equal("hi from DI", await client.AskAsync("di"));
    }

    [Fact]
    public async Task Close_sends_Connection_closed_then_a_normal_close_and_on_close_runs()
    {
        await using var client = await Connect("/echo");
        await client.ReceiveTextAsync();
        var id = await IdOf(client);
        await client.SendAsync("close");
        Assert.Equal("Connection closed", await client.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await client.ReceiveCloseAsync()).CloseStatus);
        await LegacyApiTests.Eventually(async () => (await Events()).Contains($"echo close {id}"));
    }

    [Fact]
    public async Task A_handler_that_returns_ends_its_connection_normally()
    {
        await using var client = await Connect("/echo");
        await client.ReceiveTextAsync();
        await client.SendAsync("done");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await client.ReceiveCloseAsync()).CloseStatus);
    }

    [Fact]
    public async Task A_handler_that_raises_closes_with_1011_and_others_keep_going()
    {
        await using var failing = await Connect("/echo");
        await using var bystander = await Connect("/echo");
        await failing.ReceiveTextAsync();
        await bystander.ReceiveTextAsync();
        await failing.SendAsync("raise");
        Assert.Equal(WebSocketCloseStatus.InternalServerError, (await failing.ReceiveCloseAsync()).CloseStatus);
        Assert.Equal("alive", await bystander.AskAsync("alive"));
    }

    [Fact]
    public async Task When_the_client_closes_receive_raises_WebSocketDisconnect_then_on_close_runs_once()
    {
        var client = await Connect("/echo");
        await client.ReceiveTextAsync();
        var id = await IdOf(client);
        await client.CloseAsync();
        await client.DisposeAsync();
        await LegacyApiTests.Eventually(async () => (await Events()).Contains($"echo close {id}"));
        var events = await Events();
        Assert.Contains($"echo disconnect {id} 1000", events);
        Assert.Single(events, e => e == $"echo close {id}");
        Assert.True(events.IndexOf($"echo disconnect {id} 1000") < events.IndexOf($"echo close {id}"));
    }

    [Fact]
    public async Task Broadcast_includes_the_sender()
    {
        await using var a = await Connect("/echo");
        await using var b = await Connect("/echo");
        await a.ReceiveTextAsync();
        await b.ReceiveTextAsync();
        await a.SendAsync("all:news");
        Assert.Equal("news", await a.ReceiveTextAsync());
        Assert.Equal("news", await b.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_sub_router_websocket_is_served_under_its_prefix()
    {
        await using var client = await Connect("/sub/ws");
        Assert.Equal("sub /sub/ws", await client.ReceiveTextAsync());
        Assert.Equal("sub: hi", await client.AskAsync("hi"));
    }

    [Fact]
    public async Task An_upgrade_goes_to_the_websocket_and_a_plain_get_to_the_http_route_on_the_same_path()
    {
        await using var client = await Connect("/both");
        Assert.Equal("websocket", await client.ReceiveTextAsync());
        using var http = factory.RealClient();
        Assert.Equal("http", await http.GetStringAsync("/both"));
    }

    [Fact]
    public async Task An_upgrade_to_a_path_without_a_websocket_is_refused()
    {
        var client = new ClientWebSocket();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(factory.SocketUri("/nowhere"), default));
        Assert.Contains("404", error.Message);
    }

    /// <summary>The connection's id, as the json echo reports it.</summary>
    static async Task<string> IdOf(SocketClient client)
    {
        await client.SendAsync("json");
        await client.SendAsync("0");
        using var doc = JsonDocument.Parse(await client.ReceiveTextAsync());
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    Task<List<string>> Events() => SocketEvents.ReadAsync(factory);
}
