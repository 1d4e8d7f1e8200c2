using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.WebSockets;

/// <summary>WebSockets against the gateway as users run it: keep-alive, shutdown, and scale.</summary>
public sealed class SocketProcessTests
{
    [Fact]
    public async Task On_SIGTERM_open_sockets_get_1001_their_close_handlers_run_and_the_process_exits_0()
    {
        // A graceful timeout far beyond a loaded machine's slow stop (one took 16 s beside the rest of
        // the suite), so that a stop held by the sockets is not mistaken for a slow one.
        await using var gateway = await GatewayProcess.Start("websocket_app.py", ["--graceful-timeout", "60"]).WaitReadyAsync();
        var uri = (string path) => new Uri($"ws://127.0.0.1:{gateway.Port}{path}");
        await using var chat = await SocketClient.ConnectAsync(uri("/chat"));
        await using var echo = await SocketClient.ConnectAsync(uri("/echo"));
        var chatId = (await chat.ReceiveTextAsync())["welcome ".Length..];
        await echo.ReceiveTextAsync();
        await echo.SendAsync("json");
        await echo.SendAsync("0");
        var echoId = System.Text.Json.JsonDocument.Parse(await echo.ReceiveTextAsync()).RootElement.GetProperty("id").GetString();

        var stopping = Stopwatch.StartNew();
        gateway.Signal(GatewayProcess.SIGTERM);
        var chatClose = await chat.ReceiveCloseAsync();
        var echoClose = await echo.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, chatClose.CloseStatus); // 1001
        Assert.Equal("server shutting down", chatClose.CloseReason);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, echoClose.CloseStatus);
        await chat.CloseAsync();
        await echo.CloseAsync();

        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(50)));
        // Closed sockets do not hold the stop until the graceful timeout (60 s).
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(40), $"stopping took {stopping.Elapsed}");
        Assert.Contains($"chat close {chatId}", gateway.Output);
        Assert.Contains($"echo close {echoId}", gateway.Output);
    }

    [Fact]
    public async Task A_client_that_never_answers_the_servers_close_frame_is_dropped_after_the_5_s_close_handshake()
    {
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py").WaitReadyAsync();
        var uri = new Uri($"ws://127.0.0.1:{gateway.Port}/room");
        await using var a = await SocketClient.ConnectAsync(uri);
        await using var b = await SocketClient.ConnectAsync(uri);
        await a.ReceiveTextAsync();
        var bId = (await b.ReceiveTextAsync()).Split(' ')[1]; // "joined <id> on <pid>"

        Assert.Equal("kicked: True", await a.AskAsync($"kick:{bId}"));
        var kicked = Stopwatch.StartNew();
        Assert.Equal((WebSocketCloseStatus)4000, (await b.ReceiveCloseAsync()).CloseStatus);
        // b never answers. The server waits for its close frame (RFC 6455 §7.1.1), then drops it.
        Assert.Contains(bId, await a.AskAsync("who"));
        while (kicked.Elapsed < TimeSpan.FromSeconds(15) && (await a.AskAsync("who")).Contains(bId)) await Task.Delay(100);
        Assert.DoesNotContain(bId, await a.AskAsync("who"));
        Assert.InRange(kicked.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_client_that_stops_answering_pings_is_dropped_and_its_close_handler_runs()
    {
        await using var gateway = await GatewayProcess.Start("websocket_app.py",
            ["--ws-ping-interval", "0.3", "--ws-ping-timeout", "0.5"]).WaitReadyAsync();

        // A raw client: it completes the handshake, reads the greeting, then never reads again
        // (so never answers a ping) and never closes: a peer that vanished without a FIN.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gateway.Port);
        var stream = tcp.GetStream();
        var handshake = "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(handshake));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        var head = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith("HTTP/1.1 101", head);
        var id = System.Text.RegularExpressions.Regex.Match(head + Encoding.UTF8.GetString(buffer, 0, read), "welcome ([0-9a-f-]{36})") is { Success: true } m
            ? m.Groups[1].Value
            : null;

        using var http = gateway.Client;
        for (var i = 0; i < 100; i++)
        {
            var events = await http.GetStringAsync("/events");
            if (events.Contains("\"close\"") && (id is null || events.Contains(id))) return;
            await Task.Delay(100);
        }
        Assert.Fail($"the close handler did not run within 10 s\n{gateway.Output}");
    }

    [Fact]
    public async Task Five_thousand_idle_connections_fit_the_memory_budget_and_a_broadcast_reaches_a_thousand()
    {
        await using var gateway = await GatewayProcess.Start("websocket_app.py").WaitReadyAsync();
        var before = RssMiB(gateway.Pid);
        var sockets = new List<ClientWebSocket>();
        try
        {
            var uri = new Uri($"ws://127.0.0.1:{gateway.Port}/echo");
            for (var batch = 0; batch < 50; batch++)
            {
                var opened = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
                {
                    var s = new ClientWebSocket();
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await s.ConnectAsync(uri, cts.Token);
                    return s;
                }));
                sockets.AddRange(opened);
            }
            // Each got on_connect's greeting; read it so the broadcast below is the next frame.
            await Task.WhenAll(sockets.Select(s => ReceiveText(s)));
            await Task.Delay(500);
            var after = RssMiB(gateway.Pid);
            var perConnectionKiB = (after - before) * 1024.0 / sockets.Count;
            Console.WriteLine($"5000 idle websockets: RSS {before} MiB -> {after} MiB ({perConnectionKiB:F1} KiB each)");
            Assert.True(after - before < 150, $"5000 idle connections took {after - before} MiB (budget 150 MiB)");

            // Close 4000: a broadcast from one of the remaining 1000 must reach all 1000.
            await Task.WhenAll(sockets.Skip(1000).Select(s => s.CloseAsync(WebSocketCloseStatus.NormalClosure, "", default)));
            var thousand = sockets.Take(1000).ToList();
            await thousand[0].SendAsync(Encoding.UTF8.GetBytes("all:to everyone"), WebSocketMessageType.Text, true, default);
            var got = await Task.WhenAll(thousand.Select(s => ReceiveText(s)));
            Assert.All(got, text => Assert.Equal("to everyone", text));
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }

    static async Task<string> ReceiveText(ClientWebSocket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    static long RssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:"))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        throw new InvalidOperationException("no VmRSS");
    }
}
