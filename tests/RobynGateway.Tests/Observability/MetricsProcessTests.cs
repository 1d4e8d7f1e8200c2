using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Observability;

/// <summary><c>--metrics-port</c> on real gateway processes, scraped over HTTP and parsed.</summary>
public sealed partial class MetricsProcessTests
{
    /// <summary>One sample: name, labels, value.</summary>
    internal sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<labels>.*)\\})? (?<value>\\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<v>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();

    internal static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new HashSet<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                Assert.True(types.Add(line.Split(' ')[2]), $"a second TYPE line for {line}"); // Prometheus refuses that
            if (line.Length == 0 || line[0] == '#') continue;
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample: {line}");
            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(p => p.Groups["k"].Value, p => p.Groups["v"].Value);
            samples.Add(new Sample(m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    /// <summary>As Prometheus asks: gzip accepted (the answer must then be gzip, or plain without the header).</summary>
    internal static async Task<string> Scrape(int port)
    {
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.GZip });
        client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip");
        return await client.GetStringAsync($"http://127.0.0.1:{port}/metrics");
    }

    internal static double Sum(IEnumerable<Sample> samples, string name, Func<Sample, bool>? where = null) =>
        samples.Where(s => s.Name == name && (where?.Invoke(s) ?? true)).Sum(s => s.Value);

    [Fact]
    public async Task One_process_serves_route_patterns_and_its_own_series_on_the_metrics_port_only()
    {
        var metricsPort = GatewayProcess.FreePort();
        await using var gateway = await GatewayProcess.Start("observability_app.py", ["--metrics-port", metricsPort.ToString()]).WaitReadyAsync();
        for (var i = 0; i < 3; i++) (await gateway.Client.GetAsync($"/users/{i}")).EnsureSuccessStatusCode();
        (await gateway.Client.GetAsync("/async/ann")).EnsureSuccessStatusCode();
        await gateway.Client.GetAsync("/no/such/path/123");

        var samples = Parse(await Scrape(metricsPort));
        // ASP.NET Core's request duration, by the Robyn pattern, never the path.
        Assert.Equal(3, Sum(samples, "http_server_request_duration_seconds_count", s => s.Labels.GetValueOrDefault("http_route") == "/users/:id"));
        Assert.DoesNotContain(samples, s => s.Labels.Values.Any(v => v.Contains("/users/1") || v.Contains("/no/such")));
        // Ours: time in Python and waiting for it, per route.
        Assert.Equal(3, Sum(samples, "robyn_python_duration_seconds_count", s => s.Labels["http_route"] == "/users/:id"));
        Assert.Equal(1, Sum(samples, "robyn_python_duration_seconds_count", s => s.Labels["http_route"] == "/async/:name"));
        Assert.True(Sum(samples, "robyn_python_duration_seconds_sum") > 0);
        Assert.Equal(4, Sum(samples, "robyn_python_wait_seconds_count"));
        Assert.Contains(samples, s => s.Name == "robyn_sync_queue_depth");
        Assert.Contains(samples, s => s.Name.StartsWith("kestrel_", StringComparison.Ordinal));
        // The runtime's own (GC, thread pool, working set), as an ASP.NET Core service has them.
        Assert.True(Sum(samples, "dotnet_gc_heap_total_allocated_bytes_total") > 0);
        Assert.True(Sum(samples, "dotnet_process_memory_working_set_bytes") > 0);
        Assert.Contains(samples, s => s.Name == "dotnet_thread_pool_queue_length");

        // The app's port has no /metrics (the app's own 404), and the metrics port serves nothing else.
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/metrics")).StatusCode);
        using var client = new HttpClient();
        var other = await client.GetAsync($"http://127.0.0.1:{metricsPort}/users/1");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("Not found: this port serves /metrics only", await other.Content.ReadAsStringAsync());
        Assert.NotEqual(true, other.Headers.TransferEncodingChunked); // sent with its length, as our other answers
    }

    [Fact]
    public async Task Loop_lag_stream_durations_and_websocket_messages_after_real_traffic()
    {
        var metricsPort = GatewayProcess.FreePort();
        await using var gateway = await GatewayProcess.Start("observability_app.py", ["--metrics-port", metricsPort.ToString()]).WaitReadyAsync();
        Assert.Equal("tick 0;tick 1;tick 2;", await gateway.Client.GetStringAsync("/ticks"));
        Assert.Equal("tick 0;tick 1;tick 2;", await gateway.Client.GetStringAsync("/async-ticks"));
        await using (var socket = await WebSockets.SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/echo")))
        {
            for (var i = 0; i < 3; i++)
            {
                await socket.SendAsync($"m{i}");
                Assert.Equal($"echo: m{i}", await socket.ReceiveTextAsync());
            }
        }
        // An async handler that blocks the loop for 1 s: the lag timer, due every 0.5 s, runs at least 0.5 s late.
        Assert.Equal("done", await gateway.Client.GetStringAsync("/report"));

        // The lag timer reports after the block ends: poll (bounded) rather than expect it at once.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<Sample> samples;
        while (true)
        {
            samples = Parse(await Scrape(metricsPort));
            if (samples.Any(s => s.Name == "robyn_loop_lag_seconds_bucket" && s.Labels["le"] == "0.25")
                && Sum(samples, "robyn_loop_lag_seconds_count") > Sum(samples, "robyn_loop_lag_seconds_bucket", s => s.Labels["le"] == "0.25")
                // A message's count goes up once its send returns, which may be just after the client has it.
                && Sum(samples, "robyn_websocket_messages_sent_total") >= 3)
                break;
            Assert.True(DateTime.UtcNow < deadline, "no loop lag above 0.25 s (or not every websocket message) was recorded:\n" + string.Join("\n", samples.Where(s => s.Name.StartsWith("robyn_loop")).Select(s => $"{s.Name} {string.Join(",", s.Labels)} {s.Value}")));
            await Task.Delay(200);
        }
        Assert.True(Sum(samples, "robyn_loop_lag_seconds_sum") >= 0.25);

        // Each stream: three chunks 0.1 s apart, so at least 0.2 s from the first to the last.
        foreach (var route in new[] { "/ticks", "/async-ticks" })
        {
            Assert.Equal(1, Sum(samples, "robyn_stream_duration_seconds_count", s => s.Labels["http_route"] == route));
            Assert.InRange(Sum(samples, "robyn_stream_duration_seconds_sum", s => s.Labels["http_route"] == route), 0.15, 30);
        }
        Assert.Equal(3, Sum(samples, "robyn_websocket_messages_received_total", s => s.Labels["http_route"] == "/echo"));
        Assert.Equal(3, Sum(samples, "robyn_websocket_messages_sent_total", s => s.Labels["http_route"] == "/echo"));
    }

    /// <summary>Under --balance front (the front's own proxy series are checked too; --balance kernel: KernelBalanceTests).</summary>
    [Fact]
    public async Task The_front_of_processes_2_joins_every_workers_series_labelled_by_worker()
    {
        var metricsPort = GatewayProcess.FreePort();
        await using var gateway = await GatewayProcess.Start("observability_app.py",
            ["--processes", "2", "--balance", "front", "--metrics-port", metricsPort.ToString(), "--no-access-log"]).WaitReadyAsync(TimeSpan.FromSeconds(90));
        const int requests = 20;
        using var client = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async i => (await client.GetAsync($"/users/{i}")).EnsureSuccessStatusCode()));

        // A worker that does not answer the front's scrape within its 3 s is left out of that one
        // scrape (a loaded machine): scrape again until both have answered, bounded.
        var samples = Parse(await Scrape(metricsPort));
        for (var i = 0; i < 10 && Sum(samples, "robyn_python_duration_seconds_count", s => s.Labels.ContainsKey("worker") && s.Labels["worker"] != "front") < requests; i++)
        {
            await Task.Delay(1000);
            samples = Parse(await Scrape(metricsPort));
        }
        var perWorker = samples.Where(s => s.Name == "robyn_python_duration_seconds_count" && s.Labels["http_route"] == "/users/:id")
            .ToDictionary(s => s.Labels["worker"], s => s.Value);
        Assert.Equal(requests, perWorker.Values.Sum()); // summed across the workers, each counted once
        Assert.All(perWorker.Keys, w => Assert.Matches("^[01]$", w));
        // The front's own view (YARP proxies every request) is there too, labelled front.
        Assert.True(Sum(samples, "http_server_request_duration_seconds_count", s => s.Labels["worker"] == "front") >= requests);
        Assert.Equal(requests, Sum(samples, "http_server_request_duration_seconds_count",
            s => s.Labels["worker"] != "front" && s.Labels.GetValueOrDefault("http_route") == "/users/:id"));
    }

    [Fact]
    public async Task Its_port_cannot_be_the_apps()
    {
        var port = GatewayProcess.FreePort();
        await using var gateway = GatewayProcess.Start("observability_app.py", ["--metrics-port", port.ToString()], port: port);
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("is the app's port", gateway.Output);
    }
}
