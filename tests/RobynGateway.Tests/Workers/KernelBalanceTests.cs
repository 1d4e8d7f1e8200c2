using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;
using RobynGateway.Tests.WebSockets;

namespace RobynGateway.Tests.Workers;

/// <summary>
/// <c>--processes 2 --balance kernel</c>: the front opens the port once, the workers inherit the
/// socket and accept on it themselves; the kernel spreads the connections. Every test waits for
/// the supervisor's "workers ready" line, since the port accepts (queues) connections from the start.
/// </summary>
public sealed class KernelBalanceTests
{
    static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    internal static async Task<GatewayProcess> StartAsync(params string[] args)
    {
        var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2", "--balance", "kernel", .. args])
            .WaitReadyAsync(Startup);
        await WaitForAsync(gateway, "workers ready", Startup);
        return gateway;
    }

    static async Task WaitForAsync(GatewayProcess gateway, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !gateway.Output.Contains(text, StringComparison.Ordinal)) await Task.Delay(100);
        Assert.True(gateway.Output.Contains(text, StringComparison.Ordinal), $"no \"{text}\" within {timeout.TotalSeconds} s:\n{gateway.Output}");
    }

    /// <summary>One request on a connection of its own (Connection: close), so each one is a new accept.</summary>
    static async Task<JsonElement> FreshAsync(HttpClient client, string path = "/pid")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.ConnectionClose = true;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    /// <summary>Fresh connections, 8 at a time, until <paramref name="atLeast"/> pids answered (bounded).</summary>
    static async Task<HashSet<int>> PidsOverConnections(HttpClient client, int atLeast, int maxRounds = 50)
    {
        var pids = new HashSet<int>();
        for (var round = 0; round < maxRounds && pids.Count < atLeast; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => FreshAsync(client)));
            foreach (var a in answers) pids.Add(a.GetProperty("pid").GetInt32());
        }
        return pids;
    }

    [Fact]
    public async Task Connections_are_spread_over_both_workers_which_serve_the_public_themselves()
    {
        await using var gateway = await StartAsync();
        var pids = await PidsOverConnections(gateway.Client, 2);
        Assert.Equal(2, pids.Count);
        Assert.DoesNotContain(gateway.Pid, pids);
        Assert.Equal(MultiProcessTests.WorkersOf(gateway.Pid).Order(), pids.Order());

        // The worker sees the client itself: its address, no proxy in between, no front key.
        var name = await FreshAsync(gateway.Client, "/name");
        Assert.Equal("127.0.0.1", name.GetProperty("ip").GetString());
        Assert.Equal(JsonValueKind.Null, name.GetProperty("front_key").ValueKind);
        var posted = await gateway.Client.PostAsync("/echo", new StringContent("a body"));
        Assert.Equal("a body", await posted.Content.ReadAsStringAsync());

        // Health is each worker's own answer; its metrics path is only for the front's socket.
        using var ready = await gateway.Client.GetAsync("/__robyn/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", await ready.Content.ReadAsStringAsync());
        using var metrics = await gateway.Client.GetAsync("/__robyn/health/metrics");
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Contains("--balance kernel", gateway.Output);

        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        // Occurrences, not lines: the two workers write to one pipe, and two lines written at once may share one.
        Assert.True(2 == System.Text.RegularExpressions.Regex.Count(gateway.Output, "shutdown handler ran in"), gateway.Output);
    }

    /// <summary>
    /// The queues are the sockets', and the sockets are the front's: while the killed worker's slot
    /// restarts, the connections hashed to it wait in its queue for the replacement, the others go
    /// to the other worker. Only requests the victim had accepted can fail (at most one per load
    /// task); no connection is refused.
    /// </summary>
    [Fact]
    public async Task A_SIGKILLed_worker_is_replaced_and_no_new_connection_is_refused_meanwhile()
    {
        await using var gateway = await StartAsync();
        var before = MultiProcessTests.WorkersOf(gateway.Pid);
        Assert.Equal(2, before.Count);
        var victim = before[0];

        var refused = new ConcurrentQueue<string>();
        var lost = new ConcurrentQueue<string>();
        var served = 0;
        var replaced = false;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        // A connection hashed to the dead slot waits for the replacement's start: a generous timeout.
        using var patient = new HttpClient { BaseAddress = gateway.Client.BaseAddress, Timeout = Startup };
        async Task Load()
        {
            while (!stop.IsCancellationRequested && !Volatile.Read(ref replaced))
            {
                try
                {
                    await FreshAsync(patient);
                    Interlocked.Increment(ref served);
                }
                catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    refused.Enqueue(ex.Message);
                }
                catch (HttpRequestException ex)
                {
                    lost.Enqueue(ex.Message); // accepted by the victim, which died before answering
                }
            }
        }
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(Load)).ToArray();
        await Task.Delay(1000);
        var servedBeforeKill = Volatile.Read(ref served);
        Process.GetProcessById(victim).Kill(); // SIGKILL
        await WaitForAsync(gateway, "is ready and serving", Startup);
        await Task.Delay(1000); // some requests with both workers back
        Volatile.Write(ref replaced, true);
        await Task.WhenAll(load);

        Assert.True(refused.IsEmpty, $"{refused.Count} connection(s) refused: {string.Join("; ", refused.Take(3))}\n{gateway.Output}");
        Assert.True(lost.Count <= 4, $"{lost.Count} requests lost: {string.Join("; ", lost.Take(3))}\n{gateway.Output}");
        Assert.True(Volatile.Read(ref served) > servedBeforeKill + 10, $"only {served} served\n{gateway.Output}");
        Assert.Contains("exited with code 137", gateway.Output);
        var after = await PidsOverConnections(gateway.Client, 2);
        Assert.Equal(2, after.Count);
        Assert.DoesNotContain(victim, after);
    }

    [Fact]
    public async Task SIGHUP_rolls_every_worker_under_load_without_a_failed_request()
    {
        await using var gateway = await StartAsync();
        var before = MultiProcessTests.WorkersOf(gateway.Pid).ToHashSet();
        Assert.Equal(2, before.Count);

        // Keep-alive clients and clients that connect for each request, until the roll is done
        // (bounded: 150 s, 20,000 requests).
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var failures = new ConcurrentQueue<string>();
        var served = 0;
        async Task Load(bool fresh)
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gateway.Port}"), Timeout = TimeSpan.FromSeconds(30) };
            while (!stop.IsCancellationRequested && Volatile.Read(ref served) < 20_000)
            {
                try
                {
                    if (fresh) await FreshAsync(client);
                    else (await client.GetAsync("/pid")).EnsureSuccessStatusCode();
                    Interlocked.Increment(ref served);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        }
        var load = new[] { true, true, false, false }.Select(fresh => Task.Run(() => Load(fresh))).ToArray();
        await Task.Delay(500);
        gateway.Signal(GatewayProcess.SIGHUP);
        while (!stop.IsCancellationRequested && !gateway.Output.Contains("rolling restart done")) await Task.Delay(100);
        await Task.Delay(1000);
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.Contains("rolling restart done", gateway.Output);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {served + failures.Count} failed: {string.Join("; ", failures.Take(5))}\n{gateway.Output}");
        var after = MultiProcessTests.WorkersOf(gateway.Pid).ToHashSet();
        Assert.Equal(2, after.Count);
        Assert.Empty(after.Intersect(before));
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>The front sees no request: each worker counts its own and reports it to the front's probe.</summary>
    [Fact]
    public async Task Max_requests_replaces_workers_by_their_own_count()
    {
        await using var gateway = await StartAsync("--max-requests", "15");
        var before = MultiProcessTests.WorkersOf(gateway.Pid).ToHashSet();
        var pids = new HashSet<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline && !pids.Except(before).Any())
        {
            pids.Add((await FreshAsync(gateway.Client)).GetProperty("pid").GetInt32()); // throws on any failure
            await Task.Delay(20);
        }
        Assert.True(pids.Except(before).Any(), $"no replacement worker answered\n{gateway.Output}");
        Assert.Contains("(--max-requests); replacing it", gateway.Output);
    }

    [Fact]
    public async Task Websockets_on_different_workers_still_share_broadcasts_through_the_front()
    {
        await using var gateway = await StartAsync();
        var clients = new List<(SocketClient Client, string Id, string Pid)>();
        try
        {
            // Connect 4 at a time until clients sit on both workers (the greeting names the pid).
            for (var round = 0; round < 20 && clients.Select(c => c.Pid).Distinct().Count() < 2; round++)
            {
                var batch = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
                    SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/room"))));
                foreach (var client in batch)
                {
                    var parts = (await client.ReceiveTextAsync()).Split(' '); // "joined <id> on <pid>"
                    clients.Add((client, parts[1], parts[3]));
                }
            }
            var a = clients.First();
            var b = clients.First(c => c.Pid != a.Pid);
            // Every client joined before anything was sent; the list covers both workers.
            for (var i = 0; i < 50 && (await a.Client.AskAsync("who")).Split(',').Length < clients.Count; i++) await Task.Delay(100);
            Assert.Equal(clients.Select(c => c.Id).Order(), (await a.Client.AskAsync("who")).Split(',').Order());
            Assert.Equal("delivered: True", await a.Client.AskAsync($"to:{b.Id}:psst"));
            Assert.Equal("psst", await b.Client.ReceiveTextAsync());
        }
        finally
        {
            foreach (var c in clients) await c.Client.DisposeAsync();
        }
    }

    /// <summary>The front sees no request, but still joins the workers' series from their own sockets; the public cannot scrape a worker.</summary>
    [Fact]
    public async Task The_fronts_metrics_join_both_workers_series()
    {
        var metricsPort = GatewayProcess.FreePort();
        var gateway = await GatewayProcess.Start("observability_app.py",
            ["--processes", "2", "--balance", "kernel", "--metrics-port", metricsPort.ToString(), "--no-access-log"]).WaitReadyAsync(Startup);
        await using var _ = gateway;
        await WaitForAsync(gateway, "workers ready", Startup);
        const int requests = 20;
        foreach (var i in Enumerable.Range(0, requests))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/users/{i}");
            request.Headers.ConnectionClose = true; // a connection each: the kernel spreads them
            (await gateway.Client.SendAsync(request)).EnsureSuccessStatusCode();
        }
        static double Served(List<Observability.MetricsProcessTests.Sample> samples) => Observability.MetricsProcessTests.Sum(samples,
            "robyn_python_duration_seconds_count", s => s.Labels.GetValueOrDefault("worker") is "0" or "1" && s.Labels["http_route"] == "/users/:id");
        var samples = Observability.MetricsProcessTests.Parse(await Observability.MetricsProcessTests.Scrape(metricsPort));
        for (var i = 0; i < 10 && Served(samples) < requests; i++)
        {
            await Task.Delay(1000);
            samples = Observability.MetricsProcessTests.Parse(await Observability.MetricsProcessTests.Scrape(metricsPort));
        }
        Assert.Equal(requests, Served(samples));
        Assert.Equal(2, samples.Where(s => s.Name == "robyn_python_duration_seconds_count" && s.Labels["http_route"] == "/users/:id")
            .Select(s => s.Labels["worker"]).Distinct().Count());
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/__robyn/health/metrics");
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.SendAsync(scrape)).StatusCode);
    }

    /// <summary>A plain bind checks the port first: a second server is refused, not given a share through SO_REUSEPORT.</summary>
    [Fact]
    public async Task A_port_in_use_fails_the_start_with_exit_1()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var gateway = GatewayProcess.Start("multiprocess_app.py", ["--processes", "2", "--balance", "kernel"], port: port);
        Assert.Equal(1, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("address already in use", gateway.Output);
        Assert.DoesNotContain("startup handler ran in", gateway.Output); // refused before any worker started
    }

    [Theory]
    [InlineData("--balance", "round-robin", null)]
    [InlineData(null, null, "nearest")]
    public async Task A_bad_balance_exits_2_and_says_what_to_give(string? flag, string? value, string? env)
    {
        await using var gateway = GatewayProcess.Start("multiprocess_app.py",
            flag is null ? ["--processes", "2"] : ["--processes", "2", flag, value!],
            env: env is null ? null : new Dictionary<string, string> { ["ROBYN_BALANCE"] = env });
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(flag is null ? "ROBYN_BALANCE nearest: use front or kernel." : "--balance round-robin: use front or kernel.", gateway.Output);
        Assert.DoesNotContain("   at ", gateway.Output); // no stack trace
    }
}
