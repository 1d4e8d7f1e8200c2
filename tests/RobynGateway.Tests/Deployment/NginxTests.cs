using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Deployment;

/// <summary>Two real gateways on loopback ports with real nginx in front, running the shipped nginx/ files.</summary>
public sealed class NginxFront : IAsyncLifetime
{
    public GatewayProcess First { get; private set; } = null!;
    public GatewayProcess Second { get; private set; } = null!;
    public NginxProcess Nginx { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var (first, second) = (GatewayProcess.Start("deploy_app.py"), GatewayProcess.Start("deploy_app.py"));
        (First, Second) = (first, second);
        await Task.WhenAll(first.WaitReadyAsync(), second.WaitReadyAsync());
        Nginx = await NginxProcess.StartAsync(First.Port, Second.Port);
    }

    public HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{Nginx.Port}"), Timeout = TimeSpan.FromSeconds(30) };

    public async Task DisposeAsync()
    {
        if (Nginx is not null) await Nginx.DisposeAsync();
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }
}

public sealed class NginxTests(NginxFront front) : IClassFixture<NginxFront>
{
    static async Task<JsonElement> WhoAmI(HttpClient client, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task Requests_through_nginx_reach_both_gateways()
    {
        using var client = front.Client();
        var pids = new HashSet<int>();
        for (var i = 0; i < 10; i++) pids.Add((await WhoAmI(client)).GetProperty("pid").GetInt32());
        Assert.Equal(new[] { front.First.Pid, front.Second.Pid }.Order(), pids.Order());
    }

    [Fact]
    public async Task The_app_sees_the_clients_address_and_the_forwarding_headers_nginx_set()
    {
        // The client comes from 127.0.0.2; nginx reaches the gateways from 127.0.0.1, a trusted proxy by default.
        using var client = LoopbackClient.From("127.0.0.2", front.Nginx.Port);
        var seen = await WhoAmI(client);
        Assert.Equal("127.0.0.2", seen.GetProperty("ip").GetString());
        Assert.Equal("127.0.0.2", seen.GetProperty("forwarded_for").GetString());
        Assert.Equal("http", seen.GetProperty("forwarded_proto").GetString());
        Assert.Equal("http", seen.GetProperty("scheme").GetString());
        Assert.Equal("127.0.0.1", seen.GetProperty("host").GetString());
    }

    [Fact]
    public async Task Nginx_passes_the_clients_request_id_on_or_makes_one()
    {
        using var client = front.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Add("X-Request-ID", "client-chose-this");
        using var response = await client.SendAsync(request);
        var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("client-chose-this", seen.GetProperty("request_id").GetString());
        Assert.Equal("client-chose-this", response.Headers.GetValues("X-Request-ID").Single());

        using var plain = await client.GetAsync("/whoami");
        var made = JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetString();
        Assert.Matches("^[0-9a-f]{32}$", made); // nginx's $request_id, kept by the gateway
        Assert.Equal(made, plain.Headers.GetValues("X-Request-ID").Single());
    }

    [Fact]
    public async Task An_address_the_client_made_up_is_passed_on_but_not_believed()
    {
        using var client = LoopbackClient.From("127.0.0.2", front.Nginx.Port);
        var seen = await WhoAmI(client, forwardedFor: "6.6.6.6");
        Assert.Equal("6.6.6.6, 127.0.0.2", seen.GetProperty("forwarded_for").GetString());
        Assert.Equal("127.0.0.2", seen.GetProperty("ip").GetString());
    }

    [Fact]
    public async Task Websockets_pass_through_nginx_to_both_gateways_with_the_clients_address()
    {
        var pids = new HashSet<string>();
        using var handler = LoopbackClient.Handler("127.0.0.2");
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        for (var i = 0; i < 4; i++)
        {
            using var socket = new ClientWebSocket();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{front.Nginx.Port}/ws"), invoker, timeout.Token);
            foreach (var text in new[] { "one", "two" })
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
                var buffer = new byte[256];
                var received = await socket.ReceiveAsync(buffer, timeout.Token);
                // "<pid> <request ip> <text>", from the handler behind nginx.
                var answer = Encoding.UTF8.GetString(buffer, 0, received.Count).Split(' ');
                Assert.Equal(["127.0.0.2", text], answer[1..]);
                pids.Add(answer[0]);
            }
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }
        Assert.Equal(new[] { front.First.Pid, front.Second.Pid }.Order(), pids.Select(int.Parse).Order());
    }

    [Fact]
    public async Task Health_endpoints_answer_through_nginx()
    {
        using var client = front.Client();
        Assert.Equal("ready", await client.GetStringAsync("/__robyn/health/ready"));
    }
}

/// <summary>Failover: its own gateways and nginx, since it stops one gateway.</summary>
public sealed class NginxFailoverTests
{
    [Fact]
    public async Task Stopping_one_gateway_with_sigterm_under_traffic_loses_no_request()
    {
        var front = new NginxFront();
        await front.InitializeAsync();
        try
        {
            using var client = front.Client();
            var answers = new ConcurrentQueue<(HttpStatusCode? Status, int Pid, string? Error)>();
            using var stop = new CancellationTokenSource();

            async Task Traffic()
            {
                // Bounded: the loop ends when told, or after 20,000 requests.
                for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var response = await client.GetAsync("/whoami");
                        var body = await response.Content.ReadAsStringAsync();
                        var pid = response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("pid").GetInt32() : 0;
                        answers.Enqueue((response.StatusCode, pid, response.IsSuccessStatusCode ? null : body));
                    }
                    catch (HttpRequestException ex)
                    {
                        answers.Enqueue((null, 0, ex.Message));
                    }
                }
            }

            var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(Traffic)).ToArray();
            await Until(() => answers.Any(a => a.Pid == front.First.Pid) && answers.Any(a => a.Pid == front.Second.Pid));

            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            front.First.Signal(GatewayProcess.SIGTERM);
            var exitCode = await front.First.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(exitCode == 0, $"the stopped gateway exited with {exitCode}:\n{front.First.Output}");
            var atExit = answers.Count;
            await Until(() => answers.Count > atExit + 200);
            stop.Cancel();
            await Task.WhenAll(loops);

            var failed = answers.Where(a => a.Status != HttpStatusCode.OK).Select(a => $"{a.Status}: {a.Error}").ToList();
            Assert.True(failed.Count == 0, $"{failed.Count} of {answers.Count} requests failed:\n{string.Join("\n", failed.Take(5))}");
            Assert.True(answers.Count > atExit + 200, $"only {answers.Count - atExit} requests after the exit ({stopwatch.Elapsed} after SIGTERM)");
            Assert.All(answers.Skip(atExit), a => Assert.Equal(front.Second.Pid, a.Pid));
            // nginx did send requests to the stopping gateway, saw the refusal, the closed keep-alive
            // connection or its reset at the exit, and passed them on: the failover path ran.
            var log = front.Nginx.ErrorLog;
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(log,
                "Connection refused|upstream prematurely closed connection|Connection reset by peer"),
                $"nginx never failed over to the other gateway; its error log:\n{log}");
        }
        finally
        {
            await front.DisposeAsync();
        }
    }

    static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
    }
}
