using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// Which thread writes an async route's answer, seen from outside through /proc: the voluntary
/// context switches of the gateway's thread-pool threads (".NET TP Worker"). A pool thread that
/// is woken to write an answer sleeps again after it, one switch per wake-up; with no sync worker
/// busy, the loop writes the answer itself (PythonApp.CompleteAsync) and no pool thread wakes.
/// </summary>
public sealed class AnswerThreadTests
{
    const int Requests = 500;

    [Fact]
    public async Task With_the_sync_workers_idle_no_thread_pool_thread_wakes_for_an_async_answer()
    {
        await using var gateway = await GatewayProcess.Start("concurrency_app.py", ["--log-level", "WARNING"]).WaitReadyAsync();
        using var client = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        for (var i = 0; i < 100; i++) Assert.Equal("quick", await client.GetStringAsync("/async-quick")); // compiled, pooled, connected

        var before = PoolThreadSwitches(gateway.Pid);
        for (var i = 0; i < Requests; i++) Assert.Equal("quick", await client.GetStringAsync("/async-quick"));
        var woken = PoolThreadSwitches(gateway.Pid) - before;

        // Handing each answer to the pool measured 714 switches for these 500 requests; the margin
        // is for the pool's own timers and a moment of the test machine's making.
        Assert.True(woken < Requests / 5, $"thread-pool threads switched {woken} times over {Requests} async requests");
    }

    [Fact]
    public async Task With_a_sync_worker_busy_async_answers_still_come()
    {
        // The loop does not let the GIL go while a worker wants it (it would then wait for the GIL
        // behind the worker): its answers go to the thread pool meanwhile. Which thread wrote them
        // does not show here (a pool thread that is still spinning from the last answer takes the
        // next without a context switch); that every one arrives, while the worker is busy, does.
        await using var gateway = await GatewayProcess.Start("concurrency_app.py", ["--workers", "1", "--log-level", "WARNING"]).WaitReadyAsync();
        using var client = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        var blocking = gateway.Client.GetStringAsync("/sync-block"); // 2 s on the one worker
        await Task.Delay(300);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStringAsync("/async-quick")));

        Assert.All(answers, a => Assert.Equal("quick", a));
        Assert.False(blocking.IsCompleted, "the 2 s handler finished before the async requests were answered: nothing was tested");
        Assert.NotEmpty(await blocking); // the name of the thread it ran on
    }

    static long PoolThreadSwitches(int pid)
    {
        long total = 0;
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != ".NET TP Worker") continue;
                var line = File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal));
                total += long.Parse(line["voluntary_ctxt_switches:".Length..].Trim());
            }
            catch (IOException)
            {
                // a thread that ended between listing and reading: it wakes for nothing more
            }
        }
        return total;
    }
}
