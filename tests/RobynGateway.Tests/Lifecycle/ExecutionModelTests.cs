using System.Diagnostics;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// Which thread runs what, observed from outside over real sockets: awaiting handlers overlap,
/// blocking sync handlers use the --workers threads, and neither stalls the other.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class ExecutionModelTests
{
    [Fact]
    public async Task Two_hundred_awaiting_requests_run_concurrently()
    {
        await using var gateway = await GatewayProcess.Start("concurrency_app.py").WaitReadyAsync();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 200 };
        using var client = new HttpClient(handler) { BaseAddress = gateway.Client.BaseAddress };
        await client.GetStringAsync("/async-quick"); // warm up

        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => client.GetStringAsync("/async-sleep")));
        clock.Stop();

        Assert.All(answers, a => Assert.Equal("awake", a));
        // One after the other they would take 40 s; together, 0.2 s and the machine's overhead.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"200 x 0.2 s took {clock.Elapsed}");
    }

    [Fact]
    public async Task Blocking_sync_handlers_use_all_workers_while_async_routes_keep_answering()
    {
        await using var gateway = await GatewayProcess.Start("concurrency_app.py", ["--workers", "2"]).WaitReadyAsync();
        await gateway.Client.GetStringAsync("/async-quick"); // the first call compiles the path; not what is measured
        var clock = Stopwatch.StartNew();
        var blocking = new[] { gateway.Client.GetStringAsync("/sync-block"), gateway.Client.GetStringAsync("/sync-block") };

        await Task.Delay(200);
        var quick = Stopwatch.StartNew();
        Assert.Equal("quick", await gateway.Client.GetStringAsync("/async-quick"));
        // Behind the workers it would wait 1.8 s; the margin is for a loaded machine.
        Assert.True(quick.Elapsed < TimeSpan.FromSeconds(1), $"async route waited {quick.Elapsed} behind blocked workers");

        var threads = await Task.WhenAll(blocking);
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"two 2 s handlers on two workers took {clock.Elapsed}");
        Assert.NotEqual(threads[0], threads[1]);
    }

    [Fact]
    public async Task One_worker_runs_blocking_sync_handlers_one_at_a_time()
    {
        await using var gateway = await GatewayProcess.Start("concurrency_app.py", ["--workers", "1"]).WaitReadyAsync();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(gateway.Client.GetStringAsync("/sync-block"), gateway.Client.GetStringAsync("/sync-block"));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3.9), $"expected serial execution, took {clock.Elapsed}");
    }

    [Fact]
    public async Task Memory_stays_flat_over_many_requests()
    {
        await using var gateway = await GatewayProcess.Start("concurrency_app.py").WaitReadyAsync();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 16 };
        using var client = new HttpClient(handler) { BaseAddress = gateway.Client.BaseAddress };

        async Task Burst(int count)
        {
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= count)
                {
                    await client.GetStringAsync("/json");
                    await client.GetStringAsync("/async-quick");
                }
            }));
        }

        await Burst(5_000);
        var before = ResidentKiB(gateway.Pid);
        await Burst(20_000);
        var after = ResidentKiB(gateway.Pid);
        Assert.True(after - before < 40_000, $"RSS grew from {before} KiB to {after} KiB over 40,000 requests");
    }

    static long ResidentKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
}
