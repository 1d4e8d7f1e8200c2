using System.Diagnostics;
using System.Net;
using RobynGateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>One gateway with <c>--timeout 1 --workers 1</c>, shared by the timeout tests (they run one at a time).</summary>
public sealed class TimeoutGateway : IAsyncLifetime
{
    public GatewayProcess Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayProcess.Start("limits_app.py", ["--timeout", "1", "--workers", "1"]).WaitReadyAsync();

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}

/// <summary>
/// <c>--timeout</c> over real sockets: a handler still running at the timeout gets its client a 504
/// at once, the log names the route, and nothing else is written when Python finishes later. A sync
/// handler keeps its worker until it returns (then the server serves again); an async one is
/// cancelled, its <c>finally</c> runs. A route's <c>timeout=</c> wins; a stream is not cut.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class RequestTimeoutTests(TimeoutGateway fixture, ITestOutputHelper output) : IClassFixture<TimeoutGateway>
{
    GatewayProcess Gateway => fixture.Gateway;
    HttpClient Client => fixture.Gateway.Client;

    async Task<(HttpResponseMessage Response, string Body, TimeSpan Took)> GetAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        string body;
        try
        {
            response = await Client.GetAsync(path);
            body = await response.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException ex)
        {
            // What the server said about it: a failed request here is a bug in the timeout path.
            throw new HttpRequestException($"{path} failed after {clock.Elapsed.TotalSeconds:0.00} s: {ex.Message}\n{Gateway.Output}", ex);
        }
        output.WriteLine($"{path}: {(int)response.StatusCode} after {clock.Elapsed.TotalSeconds:0.00} s: {body}");
        return (response, body, clock.Elapsed);
    }

    /// <summary>Until the one sync worker is free again (a timed-out handler holds it until it returns).</summary>
    async Task<TimeSpan> WaitForTheWorkerAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (response, _, _) = await GetAsync("/fast");
            if (response.StatusCode == HttpStatusCode.OK) return clock.Elapsed;
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode); // queued behind it, timed out too
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the worker never came back");
        }
    }

    [Fact]
    public async Task A_sync_handler_past_the_timeout_gets_504_at_the_timeout_and_the_worker_serves_again_once_it_returns()
    {
        await WaitForTheWorkerAsync();
        var (response, body, took) = await GetAsync("/sleep?s=3");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("Gateway timeout: GET /sleep did not answer within 1 s (the server's request timeout)", body);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength); // sized, and the access log counts it
        await WaitForLogAsync($"\"GET /sleep\" 504 {body.Length} B");
        Assert.True(took >= TimeSpan.FromSeconds(0.9) && took < TimeSpan.FromSeconds(2.5), $"the 504 came after {took.TotalSeconds:0.00} s");
        await WaitForLogAsync("GET /sleep timed out after 1 s: answered 504; a sync handler cannot be stopped");

        // The handler returns about 2 s later; its answer is dropped, and the worker takes requests again.
        await WaitForTheWorkerAsync();
        var (next, nextBody, nextTook) = await GetAsync("/fast");
        Assert.Equal((HttpStatusCode.OK, "fast"), (next.StatusCode, nextBody));
        Assert.True(nextTook < TimeSpan.FromSeconds(0.5), $"the next request took {nextTook.TotalSeconds:0.00} s");
        await WaitForLogAsync("GET /sleep: Python finished after the request was answered 504; its answer (200) is dropped");
        Assert.DoesNotContain(" ERR] ", Gateway.Output);
        Assert.DoesNotContain("   at ", Gateway.Output); // one line of ours, no middleware stack trace
    }

    [Fact]
    public async Task An_async_handler_past_the_timeout_gets_504_and_is_cancelled_so_its_finally_runs()
    {
        var (response, body, took) = await GetAsync("/async-sleep/late?s=5");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("GET /async-sleep/:name did not answer within 1 s", body);
        Assert.True(took < TimeSpan.FromSeconds(2.5), $"the 504 came after {took.TotalSeconds:0.00} s");
        Assert.Equal("cancelled", await Client.GetStringAsync("/cleaned-up/late"));
        await WaitForLogAsync("GET /async-sleep/:name timed out after 1 s: answered 504, its task is cancelled");
        await WaitForLogAsync("GET /async-sleep/:name: its task ended cancelled after the request was answered 504");
        Assert.DoesNotContain(" ERR] ", Gateway.Output);

        // One that finishes in time is untouched.
        var (quick, quickBody, _) = await GetAsync("/async-sleep/quick?s=0.1");
        Assert.Equal((HttpStatusCode.OK, "slept"), (quick.StatusCode, quickBody));
        Assert.Equal("finished", await Client.GetStringAsync("/cleaned-up/quick"));
    }

    [Fact]
    public async Task A_routes_own_timeout_wins_over_the_servers_both_ways()
    {
        await WaitForTheWorkerAsync();
        var (patient, patientBody, patientTook) = await GetAsync("/patient"); // timeout=4, sleeps 2 s
        Assert.Equal((HttpStatusCode.OK, "worth the wait"), (patient.StatusCode, patientBody));
        Assert.True(patientTook >= TimeSpan.FromSeconds(1.9));

        var (impatient, body, took) = await GetAsync("/impatient"); // timeout=0.5, sleeps 2 s
        Assert.Equal(HttpStatusCode.GatewayTimeout, impatient.StatusCode);
        Assert.Contains("GET /impatient did not answer within 0.5 s", body);
        Assert.True(took < TimeSpan.FromSeconds(1.5), $"the 504 came after {took.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task A_request_with_before_hooks_is_covered_too()
    {
        await WaitForTheWorkerAsync();
        var (slow, body, took) = await GetAsync("/hooked/sleep?s=3");
        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        Assert.Contains("GET /hooked/sleep did not answer within 1 s", body);
        Assert.True(took < TimeSpan.FromSeconds(2.5), $"the 504 came after {took.TotalSeconds:0.00} s");

        await WaitForTheWorkerAsync();
        var (quick, quickBody, _) = await GetAsync("/hooked/sleep?s=0");
        Assert.Equal((HttpStatusCode.OK, "yes"), (quick.StatusCode, quickBody));
        Assert.DoesNotContain(" ERR] ", Gateway.Output);
    }

    [Fact]
    public async Task A_body_that_arrives_after_the_timeout_gets_504_without_running_the_handler()
    {
        await WaitForTheWorkerAsync();
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, Gateway.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync("GET /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"u8.ToArray());
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the timeout is 1 s: it counts from the request's start
        try
        {
            await stream.WriteAsync("hello"u8.ToArray());
        }
        catch (IOException)
        {
            // Answered and closed already: what it said is still there to read.
        }
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        output.WriteLine(answer);
        Assert.StartsWith("HTTP/1.1 504", answer);
        Assert.EndsWith("Gateway timeout: GET /fast did not answer within 1 s (the server's request timeout)", answer);
    }

    [Fact]
    public async Task A_stream_that_lasts_longer_than_the_timeout_is_not_cut()
    {
        await WaitForTheWorkerAsync();
        var (response, body, took) = await GetAsync("/ticks"); // four items, 0.5 s apart
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Concat(Enumerable.Range(0, 4).Select(i => $"data: step {i}\n\n")), body);
        Assert.True(took >= TimeSpan.FromSeconds(1.9), $"the stream took {took.TotalSeconds:0.00} s");
    }

    async Task WaitForLogAsync(string text)
    {
        for (var i = 0; i < 50 && !Gateway.Output.Contains(text); i++) await Task.Delay(100);
        Assert.Contains(text, Gateway.Output);
    }
}
