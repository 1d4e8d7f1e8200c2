using System.Net.WebSockets;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.WebSockets;

/// <summary>The seed's API: <c>WebSocket(app, path)</c> with <c>@ws.on("connect" | "message" | "close")</c>.</summary>
public sealed class LegacyApiTests(WebSocketAppFactory factory) : IClassFixture<WebSocketAppFactory>
{
    Task<SocketClient> Connect(string path) => SocketClient.ConnectAsync(factory.SocketUri(path));

    [Fact]
    public async Task Connect_handler_greets_with_the_connection_id_and_messages_are_answered()
    {
        await using var client = await Connect("/chat");
        var welcome = await client.ReceiveTextAsync();
        Assert.Matches("^welcome [0-9a-f-]{36}$", welcome);
        Assert.Equal("echo: hello", await client.AskAsync("hello"));
        Assert.Equal("echo: héllo ✓", await client.AskAsync("héllo ✓"));
    }

    [Fact]
    public async Task Each_connection_has_its_own_id()
    {
        await using var a = await Connect("/chat");
        await using var b = await Connect("/chat");
        Assert.NotEqual(await a.ReceiveTextAsync(), await b.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_binary_message_reaches_the_handler_as_bytes_and_bytes_go_back_binary()
    {
        await using var client = await Connect("/chat");
        await client.ReceiveTextAsync();
        await client.SendAsync([1, 2, 3]);
        var reply = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, reply.Type);
        Assert.Equal(new byte[] { 3, 2, 1 }, reply.Data);
    }

    [Fact]
    public async Task Broadcast_reaches_every_client_of_the_endpoint_and_no_other()
    {
        await using var a = await Connect("/chat");
        await using var b = await Connect("/chat");
        await using var other = await Connect("/echo");
        await a.ReceiveTextAsync();
        await b.ReceiveTextAsync();
        Assert.Equal("connected", await other.ReceiveTextAsync());

        await a.SendAsync("all:party");
        var atA = new[] { await a.ReceiveTextAsync(), await a.ReceiveTextAsync() };
        Assert.Contains("party", atA);
        Assert.Contains(atA, m => m.StartsWith("broadcast to "));
        Assert.Equal("party", await b.ReceiveTextAsync());

        // The other endpoint got nothing: its next frame is the answer to its own message.
        Assert.Equal("ping", await other.AskAsync("ping"));
    }

    [Fact]
    public async Task Send_to_reaches_one_client_by_id_and_active_connections_lists_the_open_ones()
    {
        await using var a = await Connect("/chat");
        await using var b = await Connect("/chat");
        var idA = (await a.ReceiveTextAsync())["welcome ".Length..];
        var idB = (await b.ReceiveTextAsync())["welcome ".Length..];

        var ids = JsonSerializer.Deserialize<string[]>(await a.AskAsync("ids"))!;
        Assert.Contains(idA, ids);
        Assert.Contains(idB, ids);

        Assert.Equal("sent: True", await a.AskAsync($"to:{idB}:psst"));
        Assert.Equal("psst", await b.ReceiveTextAsync());
        Assert.Equal("sent: False", await a.AskAsync("to:no-such-client:psst"));

        await b.CloseAsync();
        await Eventually(async () => !JsonSerializer.Deserialize<string[]>(await a.AskAsync("ids"))!.Contains(idB));
    }

    [Fact]
    public async Task The_connector_sends_to_itself_broadcasts_and_sends_bytes()
    {
        await using var client = await Connect("/chat");
        await client.ReceiveTextAsync();
        await client.SendAsync("self");
        Assert.Equal("a message to self", await client.ReceiveTextAsync());
        Assert.Equal("broadcast by a connector", await client.ReceiveTextAsync());
        await client.SendAsync("bytes");
        var binary = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal("\0\u0001binary", binary.Text);
    }

    [Fact]
    public async Task A_handler_that_raises_closes_only_its_connection_with_1011()
    {
        await using var failing = await Connect("/chat");
        await using var bystander = await Connect("/chat");
        await failing.ReceiveTextAsync();
        await bystander.ReceiveTextAsync();

        await failing.SendAsync("boom");
        var close = await failing.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.InternalServerError, close.CloseStatus);

        Assert.Equal("echo: still here", await bystander.AskAsync("still here"));
        await using var next = await Connect("/chat");
        Assert.StartsWith("welcome", await next.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_message_over_the_payload_limit_closes_with_1009_and_the_server_keeps_serving()
    {
        await using var client = await Connect("/chat");
        await client.ReceiveTextAsync();
        await client.SendAsync(new byte[1_000_001]);
        var close = await client.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close.CloseStatus);

        await using var next = await Connect("/chat");
        await next.ReceiveTextAsync();
        Assert.Equal("echo: fine", await next.AskAsync("fine"));
        // Just under the limit is fine.
        await next.SendAsync(new byte[1_000_000]);
        Assert.Equal(1_000_000, (await next.ReceiveAsync()).Data.Length);
    }

    [Fact]
    public async Task A_message_that_never_ends_is_closed_with_1009_once_it_passes_the_limit()
    {
        // 1.25 MB in 64 KiB fragments and no final one: the close must come without waiting
        // for an end of message that a hostile client never sends.
        await using var client = await Connect("/chat");
        await client.ReceiveTextAsync();
        var fragment = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 20; i++)
            await client.Socket.SendAsync(fragment, WebSocketMessageType.Binary, endOfMessage: false, cts.Token);
        var close = await client.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close.CloseStatus);

        await using var next = await Connect("/chat");
        await next.ReceiveTextAsync();
        Assert.Equal("echo: fine", await next.AskAsync("fine"));
    }

    [Fact]
    public async Task The_close_handler_runs_exactly_once_when_the_client_closes()
    {
        var client = await Connect("/chat");
        var id = (await client.ReceiveTextAsync())["welcome ".Length..];
        await client.CloseAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
        await client.DisposeAsync();

        await Eventually(async () => (await Events()).Count(e => e == $"chat close {id}") == 1);
        await Task.Delay(200);
        Assert.Single(await Events(), e => e == $"chat close {id}");
    }

    [Fact]
    public async Task The_close_handler_runs_once_when_the_client_vanishes_without_a_close_frame()
    {
        var client = await Connect("/chat");
        var id = (await client.ReceiveTextAsync())["welcome ".Length..];
        client.Socket.Abort(); // the TCP connection drops, no close frame
        client.Socket.Dispose();
        await Eventually(async () => (await Events()).Contains($"chat close {id}"));
        Assert.Single(await Events(), e => e == $"chat close {id}");
    }

    [Fact]
    public async Task Server_side_close_sends_a_normal_close_and_runs_the_close_handler()
    {
        await using var client = await Connect("/chat");
        var id = (await client.ReceiveTextAsync())["welcome ".Length..];
        await client.SendAsync("close");
        var close = await client.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        await Eventually(async () => (await Events()).Contains($"chat close {id}"));
    }

    [Fact]
    public async Task Messages_from_one_client_are_answered_in_order()
    {
        await using var client = await Connect("/ordered");
        for (var i = 0; i < 60; i++) await client.SendAsync(i.ToString());
        for (var i = 0; i < 60; i++) Assert.Equal(i.ToString(), await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Handlers_of_different_clients_run_concurrently()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Connect("/chat")));
        try
        {
            foreach (var c in clients) await c.ReceiveTextAsync();
            var started = System.Diagnostics.Stopwatch.StartNew();
            foreach (var c in clients) await c.SendAsync("sleep:1");
            foreach (var c in clients) Assert.Equal("slept 1", await c.ReceiveTextAsync());
            // One after another would take 4 s.
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(3), $"took {started.Elapsed}");
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_generator_handler_sends_each_item()
    {
        await using var client = await Connect("/generator");
        await client.SendAsync("go");
        Assert.Equal("hello", await client.ReceiveTextAsync());
        Assert.Equal("world", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Handlers_receive_global_and_router_dependencies_by_name()
    {
        await using var client = await Connect("/di");
        Assert.Equal("hi from DI / router thing", await client.ReceiveTextAsync());
    }

    Task<List<string>> Events() => SocketEvents.ReadAsync(factory);

    internal static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail("the condition did not become true within 5 s");
    }
}
