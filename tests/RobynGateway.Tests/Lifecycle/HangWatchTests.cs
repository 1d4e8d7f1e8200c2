using System.Diagnostics;
using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// The interpreter watchdog (<c>--hang-timeout</c>) on one process, with tests/apps/frozen_app.py:
/// a handler that keeps the GIL, one that blocks the event loop, and one that is only slow.
/// Short timeouts keep the suite fast: the mechanism is the same at 30 s.
/// </summary>
public sealed class HangWatchTests
{
    const string Ready = "/__robyn/health/ready", Live = "/__robyn/health/live";

    /// <summary>A value the app's username pattern backtracks over for longer than anyone waits.</summary>
    internal static readonly string Backtracking = "/validate?value=" + new string('a', 60) + "1";

    /// <summary>Sends a request without waiting for it; whatever becomes of it is the test's to check, or not.</summary>
    internal static Task<HttpResponseMessage> Send(HttpClient client, string path)
    {
        var sent = client.GetAsync(path);
        sent.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        return sent;
    }

    /// <summary>Polls the path until its status is <paramref name="status"/>; the answer's text, or a failure naming the last one.</summary>
    internal static async Task<string> WaitForStatus(GatewayProcess gateway, string path, HttpStatusCode status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await gateway.Client.GetAsync(path);
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.StatusCode == status) return await response.Content.ReadAsStringAsync();
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"{path} did not answer {(int)status} within {within.TotalSeconds} s (last: {last})\n{gateway.Output}");
    }

    [Fact]
    public async Task A_handler_that_keeps_the_GIL_fails_ready_then_live_and_SIGTERM_still_ends()
    {
        await using var gateway = await GatewayProcess.Start("frozen_app.py", ["--hang-timeout", "2", "--graceful-timeout", "2"]).WaitReadyAsync();
        Assert.Equal("ready", await gateway.Client.GetStringAsync(Ready));

        var frozen = Stopwatch.StartNew();
        _ = Send(gateway.Client, Backtracking);
        // Ready fails once Python has made no progress for the timeout (plus the watchdog's tick and
        // this machine's load); live still holds.
        var why = await WaitForStatus(gateway, Ready, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(2 + 3));
        Assert.True(frozen.Elapsed >= TimeSpan.FromSeconds(1.5), $"ready failed after {frozen.Elapsed.TotalSeconds:F1} s, before the timeout");
        Assert.StartsWith("hung: ", why);
        Assert.Contains("the GIL is held, running GET /validate on sync worker 0", why);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync(Live)).StatusCode);
        await gateway.WaitForOutputAsync("Python has made no progress for");
        await gateway.WaitForOutputAsync("in validate"); // Python's stack, read without the GIL

        // Live fails after twice the timeout, so that an orchestrator restarts the process.
        Assert.StartsWith("hung: ", await WaitForStatus(gateway, Live, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(4 + 10)));
        Assert.True(frozen.Elapsed >= TimeSpan.FromSeconds(3.5), $"live failed after {frozen.Elapsed.TotalSeconds:F1} s");

        // SIGTERM: the drain ends at the graceful timeout, the shutdown handler cannot run; the
        // process says so and exits 3 (on main it never exits): at the graceful timeout, 2 s, with margin
        // for a loaded machine.
        var stopping = Stopwatch.StartNew();
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(3, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {stopping.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("The stop did not finish within 5 s", gateway.Output); // written before the exit
        Assert.Contains("the shutdown handler had not started", gateway.Output);
        Assert.DoesNotContain("shutdown handler ran", gateway.Output);
    }

    [Fact]
    public async Task Slow_is_not_hung_and_Python_that_moves_again_is_ready_again()
    {
        await using var gateway = await GatewayProcess.Start("frozen_app.py", ["--hang-timeout", "2"]).WaitReadyAsync();

        // A def handler in time.sleep releases the GIL: twice the timeout, and never a hang.
        var slow = Send(gateway.Client, "/wait?seconds=4");
        while (!slow.IsCompleted)
        {
            using var ready = await gateway.Client.GetAsync(Ready);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            await Task.Delay(200);
        }
        Assert.Equal(HttpStatusCode.OK, (await slow).StatusCode);

        // A C call that keeps the GIL for 8 s: not ready while it runs (from the 2 s timeout on), ready again after.
        var legacy = Send(gateway.Client, "/legacy?seconds=8");
        Assert.Contains("running GET /legacy", await WaitForStatus(gateway, Ready, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(8)));
        Assert.Equal(HttpStatusCode.OK, (await legacy).StatusCode);
        await WaitForStatus(gateway, Ready, HttpStatusCode.OK, TimeSpan.FromSeconds(10));

        // An async handler that blocks the loop: async routes stall, sync ones still answer.
        var report = Send(gateway.Client, "/report?seconds=8");
        Assert.Contains("the event loop is blocked", await WaitForStatus(gateway, Ready, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(8)));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/pid")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await report).StatusCode);
        await WaitForStatus(gateway, Ready, HttpStatusCode.OK, TimeSpan.FromSeconds(10));
        await gateway.WaitForOutputAsync("Python is making progress again");
        await gateway.WaitForOutputAsync("in report");

        // A healthy stop is as before: the shutdown handler runs, exit code 0.
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("shutdown handler ran", gateway.Output);
    }

    [Fact]
    public async Task Hang_timeout_0_turns_the_watchdog_off()
    {
        await using var gateway = await GatewayProcess.Start("frozen_app.py", ["--hang-timeout", "0"]).WaitReadyAsync();
        var legacy = Send(gateway.Client, "/legacy?seconds=3");
        while (!legacy.IsCompleted)
        {
            using var ready = await gateway.Client.GetAsync(Ready);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            await Task.Delay(200);
        }
        Assert.DoesNotContain("no progress", gateway.Output);
    }
}
