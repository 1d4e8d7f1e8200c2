using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// Signals on the real program: SIGTERM with --shutdown-delay (a rolling update's view: the port
/// stays open while /ready says 503), SIGHUP rolling the workers of --processes, SIGHUP on one process.
/// </summary>
public sealed class SignalTests
{
    const string Ready = "/__robyn/health/ready";

    /// <summary>A fresh connection per request, as a load balancer's new clients make: a closed port is refused at once.</summary>
    static HttpClient FreshConnections(int port) => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(20),
        DefaultRequestHeaders = { ConnectionClose = true },
    };

    [Theory]
    [InlineData("1")]
    [InlineData("2")] // the front drains; its workers serve until it stops them
    public async Task Shutdown_delay_keeps_serving_after_SIGTERM_with_ready_503_then_stops_gracefully(string processes)
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--shutdown-delay", "6", "--processes", processes])
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        using var client = FreshConnections(gateway.Port);
        Assert.Equal("ready", await client.GetStringAsync(Ready));

        var failures = new List<string>();
        var served = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan? signalled = null;
        var readyDuringDelay = new List<HttpStatusCode>();
        // Requests before, at and throughout the first half of the delay (bounded: 3 s after the signal, or 200
        // requests). The other half is slack: on a loaded machine one iteration can take a good part of a second.
        while (served + failures.Count < 200 && (signalled is null || clock.Elapsed - signalled < TimeSpan.FromSeconds(3)))
        {
            if (signalled is null && clock.Elapsed > TimeSpan.FromSeconds(0.5))
            {
                gateway.Signal(GatewayProcess.SIGTERM);
                signalled = clock.Elapsed;
            }
            try
            {
                using var answer = await client.GetAsync("/started");
                if (answer.StatusCode == HttpStatusCode.OK) served++;
                else failures.Add($"{(int)answer.StatusCode} at {clock.Elapsed.TotalSeconds:F2} s");
                // The signal is handled on a thread of its own: give it a moment before /ready must say 503.
                if (clock.Elapsed - signalled > TimeSpan.FromSeconds(0.5))
                {
                    using var ready = await client.GetAsync(Ready);
                    readyDuringDelay.Add(ready.StatusCode);
                }
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"{ex.Message} at {clock.Elapsed.TotalSeconds:F2} s");
            }
            await Task.Delay(25);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} failed after SIGTERM at {signalled?.TotalSeconds:F2} s: "
            + string.Join("; ", failures.Take(5)) + "\n" + gateway.Output);
        Assert.True(served >= 10, $"only {served} requests");
        Assert.NotEmpty(readyDuringDelay);
        Assert.All(readyDuringDelay, s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));

        // Then the graceful stop: the shutdown handler runs, exit 0, not before the delay is over.
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(clock.Elapsed - signalled >= TimeSpan.FromSeconds(5.9), $"exited {(clock.Elapsed - signalled)?.TotalSeconds:F2} s after SIGTERM");
        Assert.Contains("--shutdown-delay", gateway.Output);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/started"));
    }

    [Fact]
    public async Task A_second_SIGTERM_during_the_delay_stops_at_once()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--shutdown-delay", "60"]).WaitReadyAsync();
        // Started (the port opens a moment before): a SIGTERM before that stops at once, with nothing to drain.
        Assert.Equal("ready", await gateway.Client.GetStringAsync(Ready));
        gateway.Signal(GatewayProcess.SIGTERM);
        await Task.Delay(500);
        using var client = FreshConnections(gateway.Port);
        Assert.Equal("{\"started\":true}", await client.GetStringAsync("/started"));
        var clock = Stopwatch.StartNew();
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task SIGHUP_on_one_process_is_logged_and_ignored()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py").WaitReadyAsync();
        gateway.Signal(GatewayProcess.SIGHUP);
        for (var i = 0; i < 100 && !gateway.Output.Contains("SIGHUP ignored"); i++) await Task.Delay(50);
        Assert.Contains("SIGHUP ignored", gateway.Output);
        Assert.Equal("{\"started\":true}", await gateway.Client.GetStringAsync("/started"));
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task SIGHUP_under_processes_replaces_every_worker_one_by_one_without_a_failed_request()
    {
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2"])
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        // The front's port can open before both workers have started (a loaded machine showed 0).
        for (var i = 0; i < 1200 && Workers.MultiProcessTests.WorkersOf(gateway.Pid).Count < 2; i++) await Task.Delay(50);
        var before = Workers.MultiProcessTests.WorkersOf(gateway.Pid).ToHashSet();
        Assert.Equal(2, before.Count);

        // Load from 4 clients until the roll is done (bounded: 120 s, 20,000 requests).
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var pidsAfter = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var served = 0;
        var rolled = false;
        async Task Load()
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gateway.Port}"), Timeout = TimeSpan.FromSeconds(30) };
            while (!stop.IsCancellationRequested && Volatile.Read(ref served) < 20_000)
            {
                try
                {
                    using var doc = JsonDocument.Parse(await client.GetStringAsync("/pid"));
                    Interlocked.Increment(ref served);
                    if (Volatile.Read(ref rolled)) pidsAfter.TryAdd(doc.RootElement.GetProperty("pid").GetInt32(), 0);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        }
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(Load)).ToArray();
        await Task.Delay(500);
        gateway.Signal(GatewayProcess.SIGHUP);
        while (!stop.IsCancellationRequested && !gateway.Output.Contains("rolling restart done")) await Task.Delay(100);
        Volatile.Write(ref rolled, true);
        await Task.Delay(1000); // some requests on the new workers
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.Contains("rolling restart done", gateway.Output);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {served + failures.Count} failed: {string.Join("; ", failures.Take(5))}\n{gateway.Output}");
        var after = Workers.MultiProcessTests.WorkersOf(gateway.Pid).ToHashSet();
        Assert.Equal(2, after.Count);
        Assert.Empty(after.Intersect(before));
        Assert.Empty(pidsAfter.Keys.Intersect(before));
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}
