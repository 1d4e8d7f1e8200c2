using System.Diagnostics;
using System.Net;
using RobynGateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// <c>--max-queue</c> over real sockets: past the bound, requests get a fast 503 with Retry-After
/// instead of waiting behind everyone else; the ones taken complete; when the burst is over the
/// server answers at once. Also <c>--timeout</c> through the front of <c>--processes</c>.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class OverloadTests(ITestOutputHelper output)
{
    sealed record Outcome(HttpStatusCode Status, string? RetryAfter, TimeSpan Took);

    static async Task<Outcome[]> BurstAsync(HttpClient client, string path, int count)
    {
        async Task<Outcome> One()
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            return new Outcome(response.StatusCode, response.Headers.RetryAfter?.ToString(), clock.Elapsed);
        }
        return await Task.WhenAll(Enumerable.Range(0, count).Select(_ => One()));
    }

    void Report(string what, Outcome[] outcomes)
    {
        foreach (var group in outcomes.GroupBy(o => o.Status))
            output.WriteLine($"{what}: {group.Count()} x {(int)group.Key}, " +
                $"{group.Min(o => o.Took).TotalMilliseconds:0} to {group.Max(o => o.Took).TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Thirty_slow_sync_requests_against_a_queue_of_four_get_fast_503s_and_the_rest_complete()
    {
        await using var gateway = await GatewayProcess.Start("limits_app.py",
            ["--workers", "1", "--max-queue", "4", "--timeout", "20"]).WaitReadyAsync();
        Assert.Equal("fast", await gateway.Client.GetStringAsync("/fast"));

        var outcomes = await BurstAsync(gateway.Client, "/sleep?s=1", 30);
        Report("burst", outcomes);

        var refused = outcomes.Where(o => o.Status == HttpStatusCode.ServiceUnavailable).ToArray();
        var taken = outcomes.Where(o => o.Status == HttpStatusCode.OK).ToArray();
        Assert.Equal(30, refused.Length + taken.Length);
        // At most 4 wait and 1 runs at any moment; a handler that ends during the burst lets one more in.
        Assert.True(refused.Length >= 15, $"only {refused.Length} of 30 were refused");
        // At least the 4 the queue holds: when the burst lands before the worker has taken the first
        // one off the queue, that one still counts as waiting.
        Assert.True(taken.Length >= 4, $"only {taken.Length} were taken");
        Assert.All(refused, o => Assert.Equal("1", o.RetryAfter));
        // Refused at once, not after waiting for the queue: well under one handler's 1 s (margin for a busy machine).
        var median = refused.Select(o => o.Took).Order().ElementAt(refused.Length / 2);
        Assert.True(median < TimeSpan.FromSeconds(0.6), $"the median 503 took {median.TotalMilliseconds:0} ms");

        // The burst is over: the next request is answered at once.
        var clock = Stopwatch.StartNew();
        Assert.Equal("fast", await gateway.Client.GetStringAsync("/fast"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"after the burst /fast took {clock.Elapsed.TotalMilliseconds:0} ms");

        for (var i = 0; i < 30 && !gateway.Output.Contains("answered 503 in the last second"); i++) await Task.Delay(100);
        Assert.Matches(@"Overloaded: \d+ request\(s\) answered 503 in the last second \(4 already waiting for a sync worker", gateway.Output);
        Assert.DoesNotContain(" ERR] ", gateway.Output);
    }

    [Fact]
    public async Task Async_handlers_are_bounded_on_the_loop_at_eight_times_the_queue()
    {
        // --max-queue 1: at most 8 calls run on the loop at once.
        await using var gateway = await GatewayProcess.Start("limits_app.py",
            ["--max-queue", "1", "--timeout", "20"]).WaitReadyAsync();
        Assert.Equal("fast", await gateway.Client.GetStringAsync("/async-fast"));

        var outcomes = await BurstAsync(gateway.Client, "/async-sleep/burst?s=1", 30);
        Report("async burst", outcomes);
        var taken = outcomes.Count(o => o.Status == HttpStatusCode.OK);
        Assert.Equal(30, taken + outcomes.Count(o => o.Status == HttpStatusCode.ServiceUnavailable));
        // All arrive within the first handler's second. The bound is checked before the body is read and
        // counted when the call is queued, so requests checked at the same instant may pass it together.
        Assert.InRange(taken, 1, 12);
        Assert.Equal("fast", await gateway.Client.GetStringAsync("/async-fast"));
    }

    [Fact]
    public async Task With_max_queue_0_nothing_is_refused()
    {
        await using var gateway = await GatewayProcess.Start("limits_app.py",
            ["--workers", "1", "--max-queue", "0"]).WaitReadyAsync();
        var outcomes = await BurstAsync(gateway.Client, "/sleep?s=0.02", 30);
        Report("unbounded", outcomes);
        Assert.All(outcomes, o => Assert.Equal(HttpStatusCode.OK, o.Status));
    }

    [Fact]
    public async Task Through_the_front_of_processes_the_workers_504_reaches_the_client()
    {
        await using var gateway = await GatewayProcess.Start("limits_app.py",
            ["--processes", "2", "--timeout", "1"]).WaitReadyAsync(TimeSpan.FromSeconds(90));
        var clock = Stopwatch.StartNew();
        using var response = await gateway.Client.GetAsync("/sleep?s=6");
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} after {clock.Elapsed.TotalSeconds:0.00} s: {body}");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("GET /sleep did not answer within 1 s", body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the 504 came after {clock.Elapsed.TotalSeconds:0.00} s");
    }
}
