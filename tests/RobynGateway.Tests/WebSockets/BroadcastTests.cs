using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.WebSockets;

/// <summary>
/// <c>--broadcast</c>: real gateway processes on loopback, one of them <c>--processes 2</c>, joined
/// through a real redis-server that the test starts (and stops, and starts again). The app is the
/// deep-dive document's chat (tests/apps/broadcast_app.py): the seed's API at /ws, Robyn 0.88's at /chat.
/// </summary>
[Collection(nameof(BroadcastTests))]
public sealed class BroadcastTests
{
    const string App = "broadcast_app.py";
    /// <summary>What the README promises (1 s beats, 5 s expiry, checked every beat), plus slack for a busy machine.</summary>
    static readonly TimeSpan PresenceBound = TimeSpan.FromSeconds(6);
    static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    static Task<GatewayProcess> Instance(RedisProcess redis, params string[] extra) =>
        GatewayProcess.Start(App, ["--broadcast", redis.Url(3), .. extra]).WaitReadyAsync(TimeSpan.FromSeconds(120));

    sealed record Client(SocketClient Socket, string Id, GatewayProcess On) : IAsyncDisposable
    {
        public async Task<JsonElement> Ask(object message)
        {
            await Socket.SendAsync(JsonSerializer.Serialize(message));
            return await Next();
        }

        public async Task<JsonElement> Next()
        {
            while (true)
            {
                var text = await Socket.ReceiveTextAsync();
                if (text.Length > 0) return JsonDocument.Parse(text).RootElement.Clone();
            }
        }

        public async Task<string[]> Who()
        {
            var answer = await Ask(new { action = "who" });
            return answer.TryGetProperty("who", out var who)
                ? who.EnumerateArray().Select(e => e.GetString()!).ToArray()
                : throw new InvalidOperationException($"who answered {answer}");
        }

        /// <summary>websocket.broadcast(): the sender gets its own copy first, then the count.</summary>
        public async Task<int> Shout(string text)
        {
            Assert.Equal(text, (await Ask(new { action = "shout", text })).GetProperty("shout").GetString());
            return (await Next()).GetProperty("shouted").GetInt32();
        }

        public ValueTask DisposeAsync() => Socket.DisposeAsync();
    }

    static async Task<Client> Connect(GatewayProcess gateway)
    {
        var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/ws"));
        var hello = JsonDocument.Parse(await socket.ReceiveTextAsync()).RootElement;
        return new Client(socket, hello.GetProperty("id").GetString()!, gateway);
    }

    /// <summary>Polls until <paramref name="done"/> holds; fails with the instances' output after <paramref name="within"/>.</summary>
    static async Task<TimeSpan> Until(Func<Task<bool>> done, TimeSpan within, string what, params GatewayProcess[] logs)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (await done()) return clock.Elapsed;
            await Task.Delay(100);
        }
        Assert.Fail($"{what} not within {within.TotalSeconds} s\n{string.Join("\n---\n", logs.Select(l => l.Output))}");
        return clock.Elapsed;
    }

    [Fact]
    public async Task Three_instances_share_active_connections_broadcasts_send_to_and_close()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await Instance(redis);
        await using var b = await Instance(redis);
        await using var c = await Instance(redis, "--processes", "2");
        var clients = new List<Client>();
        try
        {
            foreach (var gateway in new[] { a, b, c, c }) clients.Add(await Connect(gateway));
            var all = clients.Select(x => x.Id).Order().ToArray();
            Assert.Equal(4, all.Distinct().Count()); // ids unique across instances

            // active_connections agree on every instance (each learns the others within a beat or so).
            foreach (var client in clients)
                await Until(async () => (await client.Who()).Order().SequenceEqual(all), TimeSpan.FromSeconds(10),
                    $"active_connections on {client.On.Port} listing all four", a, b, c);

            // The deep-dive loop on B (for client_id in active_connections: send_to) reaches everyone, in order.
            var (onA, onB, onC) = (clients[0], clients[1], clients[2]);
            await onB.Socket.SendAsync(JsonSerializer.Serialize(new { action = "broadcast", text = "one" }));
            await onB.Socket.SendAsync(JsonSerializer.Serialize(new { action = "broadcast", text = "two" }));
            foreach (var client in clients)
            {
                Assert.Equal("one", (await client.Next()).GetProperty("text").GetString());
                var second = await client.Next();
                Assert.Equal(("two", onB.Id), (second.GetProperty("text").GetString(), second.GetProperty("from").GetString()));
            }

            // websocket.broadcast() from a worker of C: counted and delivered everywhere.
            Assert.Equal(4, await onC.Shout("hey"));
            foreach (var client in clients.Where(x => x != onC))
                Assert.Equal("hey", (await client.Next()).GetProperty("shout").GetString());

            // send_to a client of another instance; an unknown id is False, nothing sent.
            Assert.True((await onA.Ask(new { action = "send", to = onC.Id, text = "psst" })).GetProperty("delivered").GetBoolean());
            Assert.Equal("psst", (await onC.Next()).GetProperty("private").GetString());
            Assert.False((await onA.Ask(new { action = "send", to = "no-such-client", text = "psst" })).GetProperty("delivered").GetBoolean());

            // A message over ROBYN_MAX_PAYLOAD_SIZE is refused before it leaves the process, with a clear error.
            foreach (var client in new[] { onA, onC })
            {
                var refused = (await client.Ask(new { action = "big", size = 1_000_001 })).GetProperty("refused").GetString();
                Assert.Contains("over ROBYN_MAX_PAYLOAD_SIZE (1000000 bytes)", refused);
            }

            // close(id) across instances (and, on C, across its workers): the client gets our code.
            Assert.True((await onA.Ask(new { action = "kick", id = clients[3].Id })).GetProperty("kicked").GetBoolean());
            var closed = await clients[3].Socket.ReceiveCloseAsync();
            Assert.Equal((WebSocketCloseStatus)4000, closed.CloseStatus);
            Assert.Equal("kicked", closed.CloseReason);
            Assert.True((await onC.Ask(new { action = "kick", id = onB.Id })).GetProperty("kicked").GetBoolean());
            Assert.Equal((WebSocketCloseStatus)4000, (await onB.Socket.ReceiveCloseAsync()).CloseStatus);
            Assert.False((await onC.Ask(new { action = "kick", id = "no-such-client" })).GetProperty("kicked").GetBoolean());
            await Until(async () => (await onA.Who()).Order().SequenceEqual(new[] { onA.Id, onC.Id }.Order()), TimeSpan.FromSeconds(10),
                "the closed clients leaving active_connections", a, b, c);

            // Robyn 0.88's API on the same instances: broadcast(), active_connections, close_connection.
            await using var chatA = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{a.Port}/chat"));
            await using var chatC = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{c.Port}/chat"));
            var (idA, idC) = (await chatA.ReceiveTextAsync(), await chatC.ReceiveTextAsync());
            await Until(async () => (await chatC.AskAsync("who")).Contains(idA), TimeSpan.FromSeconds(10), "/chat's who on C", a, c);
            await chatC.SendAsync("hello from C");
            Assert.Equal($"{idC}: hello from C", await chatA.ReceiveTextAsync());
            Assert.Equal($"{idC}: hello from C", await chatC.ReceiveTextAsync());
            Assert.Equal("kicked: True", await chatA.AskAsync($"kick:{idC}"));
            Assert.Equal(WebSocketCloseStatus.NormalClosure, (await chatC.ReceiveCloseAsync()).CloseStatus);
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_killed_instance_leaves_every_list_within_the_stated_time()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await Instance(redis);
        await using var b = await Instance(redis, "--processes", "2");
        await using var onA = await Connect(a);
        await using var onB = await Connect(b);
        await Until(async () => (await onA.Who()).Contains(onB.Id), TimeSpan.FromSeconds(10), "B's client on A", a, b);

        b.Signal(GatewayProcess.SIGKILL); // the front: no Left, no goodbye on Redis
        var took = await Until(async () => !(await onA.Who()).Contains(onB.Id), PresenceBound + Slack, "B's client leaving A's list", a);
        Assert.True(took <= PresenceBound + Slack, $"took {took}");
        // Logged just before the drop; the line may still be on its way through A's output pipe.
        await a.WaitForOutputAsync("went silent", TimeSpan.FromSeconds(10));
        // A keeps serving its own clients.
        await using var second = await Connect(a);
        Assert.Equal(2, await second.Shout("still here"));
    }

    [Fact]
    public async Task Without_Redis_each_instance_serves_its_own_clients_and_rejoins_when_it_is_back()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await Instance(redis);
        await using var b = await Instance(redis);
        await using var a1 = await Connect(a);
        await using var a2 = await Connect(a);
        await using var b1 = await Connect(b);
        await Until(async () => (await a1.Who()).Length == 3, TimeSpan.FromSeconds(10), "three clients on A's list", a, b);

        await redis.StopAsync();
        // Alone at once: the other instance's clients leave the list, local traffic never fails.
        await Until(async () => (await a1.Who()).Length == 2, TimeSpan.FromSeconds(10), "A alone", a);
        Assert.Equal(2, await a1.Shout("local"));
        Assert.Equal("local", (await a2.Next()).GetProperty("shout").GetString());
        Assert.True((await a1.Ask(new { action = "send", to = a2.Id, text = "near" })).GetProperty("delivered").GetBoolean());
        Assert.Equal("near", (await a2.Next()).GetProperty("private").GetString());
        Assert.False((await a1.Ask(new { action = "send", to = b1.Id, text = "far" })).GetProperty("delivered").GetBoolean());
        // /ready says so, and stays ready.
        var ready = await a.Client.GetAsync("/__robyn/health/ready");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)ready.StatusCode);
        Assert.StartsWith("ready\nbroadcast: Redis redis://127.0.0.1:", body);
        Assert.Contains("unreachable since", body);
        Assert.Equal(1, CountLines(a.Output, "is unreachable")); // logged once

        await redis.StartAgainAsync(); // same port, empty: nothing remembered
        await Until(async () => (await a1.Who()).Length == 3 && (await b1.Who()).Length == 3, TimeSpan.FromSeconds(15),
            "both instances rejoined", a, b);
        await b1.Socket.SendAsync(JsonSerializer.Serialize(new { action = "broadcast", text = "back" }));
        Assert.Equal("back", (await a1.Next()).GetProperty("text").GetString());
        Assert.Equal("back", (await a2.Next()).GetProperty("text").GetString());
        Assert.Contains("broadcast: joined", await a.Client.GetStringAsync("/__robyn/health/ready"));
    }

    [Fact]
    public async Task An_instance_started_before_Redis_serves_alone_then_joins()
    {
        var redis = new RedisProcess(); // not started yet: its port is free
        await using var _ = redis;
        await using var a = await GatewayProcess.Start(App, ["--broadcast", redis.Url(3)]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        await using var onA = await Connect(a);
        Assert.Equal(1, await onA.Shout("alone"));
        Assert.Contains("unreachable since", await a.Client.GetStringAsync("/__robyn/health/ready"));

        await redis.StartAgainAsync();
        await using var b = await GatewayProcess.Start(App, [], env: new Dictionary<string, string> { ["ROBYN_BROADCAST"] = redis.Url(3) })
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        await using var onB = await Connect(b);
        await Until(async () => (await onA.Who()).Contains(onB.Id), TimeSpan.FromSeconds(15), "A joining late", a, b);
    }

    [Fact]
    public async Task A_stalled_Redis_cannot_make_an_instance_buffer_without_bound()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await Instance(redis);
        await using var b = await Instance(redis);
        await using var a1 = await Connect(a);
        await using var a2 = await Connect(a);
        await using var b1 = await Connect(b);
        await Until(async () => (await a1.Who()).Length == 3, TimeSpan.FromSeconds(10), "three clients on A's list", a, b);

        redis.Pause();
        // 40 broadcasts of 500 KB: 20 MB, more than the 16 MiB the link may hold while Redis reads nothing.
        // The clients read as it comes (each has its own 16 MiB queue too).
        await a1.Socket.SendAsync(JsonSerializer.Serialize(new { action = "flood", count = 40, size = 500_000 }));
        await Task.WhenAll(new[] { a1, a2 }.Select(async client =>
        {
            for (var i = 0; i < 40; i++)
                Assert.Equal(i, (await client.Next()).GetProperty("flood").GetInt32()); // local delivery: all, in order
        }));
        Assert.Equal(40, (await a1.Next()).GetProperty("flooded").GetInt32());
        await Until(() => Task.FromResult(a.Output.Contains("--broadcast: Redis is behind (16 MiB queued)")), TimeSpan.FromSeconds(10),
            "the drop being logged", a);
        Assert.InRange(await a2.Shout("still serving"), 2, 3); // B counts until it expires (no beats through a stalled Redis)

        redis.Resume();
        // The floods Redis had taken before it stopped reading (A's socket buffers hold some) reach
        // B's client now, late but in order, and so may a2's shout if the link had room for it again
        // once it dropped what was queued: b1 reads past them to the answer it asked for.
        await Until(async () => (await a2.Who()).Length == 3 && (await WhoPastFloods(b1)).Length == 3, TimeSpan.FromSeconds(30),
            "both instances together again", a, b);

        static async Task<string[]> WhoPastFloods(Client client)
        {
            await client.Socket.SendAsync(JsonSerializer.Serialize(new { action = "who" }));
            var (flood, shouts) = (-1, 0);
            while (true)
            {
                var answer = await client.Next();
                if (answer.TryGetProperty("who", out var who)) return who.EnumerateArray().Select(e => e.GetString()!).ToArray();
                if (answer.TryGetProperty("shout", out var shout))
                {
                    Assert.Equal(("still serving", 1), (shout.GetString(), ++shouts)); // a2's, once at most
                    continue;
                }
                var next = answer.GetProperty("flood").GetInt32(); // anything else is a failure
                Assert.True(next > flood, $"flood {next} after {flood}: out of order or twice");
                flood = next;
            }
        }
    }

    [Fact]
    public async Task Behind_nginx_clients_that_landed_on_different_instances_chat()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await Instance(redis);
        await using var b = await Instance(redis);
        await using var nginx = await NginxProcess.StartAsync(a.Port, b.Port);
        var clients = new List<(SocketClient Socket, string Id, int Pid)>();
        try
        {
            // nginx spreads the upgrades over both gateways; connect until both have a client.
            for (var i = 0; i < 20 && clients.Select(c => c.Pid).Distinct().Count() < 2; i++)
            {
                var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{nginx.Port}/ws"));
                var hello = JsonDocument.Parse(await socket.ReceiveTextAsync()).RootElement;
                clients.Add((socket, hello.GetProperty("id").GetString()!, hello.GetProperty("pid").GetInt32()));
            }
            var first = clients[0];
            var other = clients.First(c => c.Pid != first.Pid);
            var sender = new Client(first.Socket, first.Id, a);
            await Until(async () => (await sender.Who()).Length == clients.Count, TimeSpan.FromSeconds(10), "every client in the list", a, b);
            await first.Socket.SendAsync(JsonSerializer.Serialize(new { action = "broadcast", text = "through nginx" }));
            foreach (var (socket, _, _) in clients)
                Assert.Equal("through nginx", (await new Client(socket, "", a).Next()).GetProperty("text").GetString());
            Assert.Contains(other.Id, await sender.Who());
        }
        finally
        {
            foreach (var c in clients) await c.Socket.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("--broadcast", "http://127.0.0.1:6379/0", "the scheme must be redis or rediss")]
    [InlineData("ROBYN_BROADCAST", "redis://127.0.0.1:6379/first", "the database must be a whole number")]
    public async Task A_bad_broadcast_url_stops_the_start_with_a_clear_message(string source, string url, string why)
    {
        await using var gateway = source.StartsWith("--")
            ? GatewayProcess.Start(App, [source, url])
            : GatewayProcess.Start(App, env: new Dictionary<string, string> { [source] = url });
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"error: {source} {url}: {why}", gateway.Output);
        Assert.Contains("expected redis://host:port/db, e.g. redis://127.0.0.1:6379/0.", gateway.Output);
        Assert.DoesNotContain("   at ", gateway.Output); // no stack trace
    }

    static int CountLines(string output, string text) =>
        output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));
}
