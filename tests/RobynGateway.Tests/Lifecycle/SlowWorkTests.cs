using System.Diagnostics;
using RobynGateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// Slow sync work never holds up anyone else's answer, over real sockets with the default
/// <c>--workers 1</c>: a sync generator that sleeps between items is pulled off the sync workers,
/// and a finished request's answer leaves before the worker starts the next, slow, handler.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class SlowWorkTests(ITestOutputHelper output)
{
    const int Items = 5;
    // Long enough that side by side (3 s) and one after the other (6 s) stay apart by more than a
    // hiccup of the machine (a whole run once took 1 s longer than its streams, alone on it).
    static readonly TimeSpan Pause = TimeSpan.FromSeconds(0.6);
    static readonly TimeSpan OneStream = Items * Pause;

    [Fact]
    public async Task Two_sleeping_sync_sse_streams_run_side_by_side_and_a_sync_route_answers_meanwhile()
    {
        await using var gateway = await GatewayProcess.Start("slow_streams_app.py", ["--workers", "1"]).WaitReadyAsync();
        var client = gateway.Client;
        Assert.Equal("pong", await client.GetStringAsync("/ping")); // the first call compiles the path

        var clock = Stopwatch.StartNew();
        var path = $"/ticks?n={Items}&pause={Pause.TotalSeconds}";
        var streams = new[] { client.GetStringAsync(path), client.GetStringAsync(path) };
        await Task.Delay(Pause * 1.5); // both generators are inside time.sleep now, or about to be

        var pings = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var ping = Stopwatch.StartNew();
            Assert.Equal("pong", await client.GetStringAsync("/ping"));
            pings.Add(ping.Elapsed);
            await Task.Delay(100);
        }
        var bodies = await Task.WhenAll(streams);
        clock.Stop();
        output.WriteLine($"two streams of {OneStream.TotalSeconds} s each: {clock.Elapsed.TotalSeconds:0.00} s; " +
            $"pings meanwhile: {string.Join(", ", pings.Select(p => $"{p.TotalMilliseconds:0.0} ms"))}");

        foreach (var body in bodies)
            Assert.Equal(string.Concat(Enumerable.Range(0, Items).Select(i => $"event: progress\ndata: step {i}\n\n")), body);
        // Pulled one after the other (on the one worker) they took the sum, 2 x 3 s.
        Assert.True(clock.Elapsed < OneStream * 1.5, $"two {OneStream.TotalSeconds} s streams took {clock.Elapsed.TotalSeconds:0.00} s together");
        // Behind the streams' pulls every ping waited up to 1.2 s (0.6 on average), so the quickest
        // and all but the slowest are far below that. One may meet a hiccup of the machine: CI saw
        // 621 ms for a ping whose whole stay in the gateway was 0.4 ms by its access log.
        var sorted = pings.Order().ToArray();
        Assert.True(sorted[0] < TimeSpan.FromMilliseconds(50), $"the quickest ping took {sorted[0].TotalMilliseconds:0.0} ms");
        Assert.True(sorted[^2] < TimeSpan.FromMilliseconds(300), $"the second slowest ping took {sorted[^2].TotalMilliseconds:0.0} ms; "
            + $"the server says:\n{string.Join("\n", gateway.Output.Split('\n').Where(l => l.Contains("\"GET /ping\"")))}");
    }

    [Fact]
    public async Task Past_forty_sleeping_streams_the_next_ones_wait_for_a_free_stream_thread_and_idle_ones_end()
    {
        await using var gateway = await GatewayProcess.Start("slow_streams_app.py", ["--workers", "1"]).WaitReadyAsync();
        var client = gateway.Client;
        Assert.Equal("pong", await client.GetStringAsync("/ping"));

        var streams = Enumerable.Range(0, 44).Select(_ => client.GetStringAsync("/ticks?n=3&pause=0.5")).ToArray();
        var most = 0;
        var all = Task.WhenAll(streams);
        while (!all.IsCompleted)
        {
            most = Math.Max(most, StreamThreads(gateway.Pid));
            await Task.WhenAny(all, Task.Delay(50));
        }
        var ping = Stopwatch.StartNew();
        Assert.Equal("pong", await client.GetStringAsync("/ping"));
        output.WriteLine($"at most {most} stream threads; a ping after: {ping.Elapsed.TotalMilliseconds:0.0} ms");

        Assert.All(await all, b => Assert.Equal(string.Concat(Enumerable.Range(0, 3).Select(i => $"event: progress\ndata: step {i}\n\n")), b));
        Assert.Equal(40, most);
        Assert.Contains("All 40 stream threads are pulling items of sync streaming answers", gateway.Output);

        // Idle threads end (after 10 s), and the next stream starts one again.
        var idle = Stopwatch.StartNew();
        while (StreamThreads(gateway.Pid) > 0)
        {
            Assert.True(idle.Elapsed < TimeSpan.FromSeconds(30), $"{StreamThreads(gateway.Pid)} idle stream threads still alive");
            await Task.Delay(200);
        }
        Assert.Equal("event: progress\ndata: step 0\n\n", await client.GetStringAsync("/ticks?n=1&pause=0"));
    }

    /// <summary>The gateway's stream threads alive now (.NET names the OS thread after Thread.Name).</summary>
    static int StreamThreads(int pid)
    {
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd() == "robyn-stream") count++;
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }
        return count;
    }

    [Fact]
    public async Task A_client_that_leaves_a_sleeping_sync_stream_closes_its_generator_even_while_the_worker_is_busy()
    {
        await using var gateway = await GatewayProcess.Start("slow_streams_app.py", ["--workers", "1"]).WaitReadyAsync();
        // No drain of the unread rest on dispose (HttpClient's default waits up to 2 s): the connection drops at once.
        using var leaving = new HttpClient(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero, MaxResponseDrainSize = 0 })
        {
            BaseAddress = gateway.Client.BaseAddress,
        };
        Task<string> busy;
        using (var r = await leaving.GetAsync("/feed/left", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await r.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.True(await body.ReadAsync(buffer, bound.Token) > 0);
            busy = gateway.Client.GetStringAsync("/sleep?s=4"); // holds the only sync worker from now on
            await Task.Delay(300);
        } // disposing the response drops the connection mid-stream

        var clock = Stopwatch.StartNew();
        while (await gateway.Client.GetStringAsync("/closed/left") != "yes")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the generator's finally did not run");
            await Task.Delay(20);
        }
        output.WriteLine($"finally ran {clock.Elapsed.TotalMilliseconds:0} ms after the client left");
        Assert.False(busy.IsCompleted, "the generator was closed only once the sync worker was free");
        Assert.Equal("slept 4.0", await busy);
    }

    [Fact]
    public async Task A_sync_stream_that_raises_after_sleeping_aborts_its_connection_and_logs_the_traceback()
    {
        await using var gateway = await GatewayProcess.Start("slow_streams_app.py", ["--workers", "1"]).WaitReadyAsync();
        var client = gateway.Client;
        using var r = await client.GetAsync("/fails", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await r.Content.ReadAsStreamAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var buffer = new byte[1024];
            while (await body.ReadAsync(buffer) > 0) { }
        });
        Assert.Equal("pong", await client.GetStringAsync("/ping"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!gateway.Output.Contains("RuntimeError: the feed broke after one item") && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Contains("the streaming response failed in Python", gateway.Output);
        Assert.Contains("Traceback (most recent call last)", gateway.Output);
        Assert.Contains("RuntimeError: the feed broke after one item", gateway.Output);
    }

    [Fact]
    public async Task With_one_worker_a_quick_request_is_answered_before_the_slow_one_sent_after_it_ends()
    {
        await using var gateway = await GatewayProcess.Start("slow_streams_app.py", ["--workers", "1"]).WaitReadyAsync();
        Assert.Equal("pong", await gateway.Client.GetStringAsync("/ping"));
        await AssertQuickIsNotHeldBack(gateway.Client);
    }

    [Fact]
    public async Task With_four_workers_a_quick_request_is_answered_before_the_slow_one_its_worker_takes_next_ends()
    {
        await using var gateway = await GatewayProcess.Start("slow_streams_app.py", ["--workers", "4"]).WaitReadyAsync();
        var client = gateway.Client;
        Assert.Equal("pong", await client.GetStringAsync("/ping"));
        // Three workers busy: the slow request can only go to the worker that runs the quick one.
        var blockers = Enumerable.Range(0, 3).Select(_ => client.GetStringAsync("/sleep?s=4")).ToArray();
        await Task.Delay(300);
        await AssertQuickIsNotHeldBack(client);
        Assert.All(await Task.WhenAll(blockers), b => Assert.Equal("slept 4.0", b));
    }

    async Task AssertQuickIsNotHeldBack(HttpClient client)
    {
        var clock = Stopwatch.StartNew();
        var quick = client.GetStringAsync("/sleep?s=0.3");
        await Task.Delay(100);
        var slow = client.GetStringAsync("/sleep?s=4");
        Assert.Equal("slept 0.3", await quick);
        var quickTook = clock.Elapsed;
        output.WriteLine($"the 0.3 s request was answered after {quickTook.TotalSeconds:0.00} s");
        Assert.True(quickTook < TimeSpan.FromSeconds(1), $"the 0.3 s request waited {quickTook.TotalSeconds:0.00} s for the 4 s one");
        Assert.Equal("slept 4.0", await slow);
    }
}
