using System.Text.RegularExpressions;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// A stop whose <c>--graceful-timeout</c> runs out with requests still running cuts them (the clients
/// see the connection end) and says so in one warning: how many, which, for how long they ran.
/// On main the cut was silent.
/// </summary>
public sealed class GracefulCutTests
{
    /// <param name="balance">With processes 2: front (the front names every cut request in one line) or
    /// kernel (each worker names the requests it was running, since only it saw them).</param>
    [Theory]
    [InlineData(1, null)]
    [InlineData(2, "front")]
    [InlineData(2, "kernel")]
    public async Task Requests_cut_by_the_graceful_timeout_are_named_in_one_warning(int processes, string? balance)
    {
        string[] mode = balance is null ? [] : ["--balance", balance];
        await using var gateway = await GatewayProcess.Start("client_faults_app.py",
            ["--graceful-timeout", "1", "--processes", processes.ToString(), .. mode]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        var first = gateway.Client.GetAsync("/very-slow/first");
        var second = gateway.Client.GetAsync("/very-slow/second");
        // Both running in Python (a loaded machine may take a while to get them there), then a second more.
        await gateway.WaitForOutputAsync("very slow first started", TimeSpan.FromSeconds(60));
        await gateway.WaitForOutputAsync("very slow second started", TimeSpan.FromSeconds(60));
        await Task.Delay(1000);
        var done = await gateway.Client.GetStringAsync("/pid"); // a request that finished is not named
        Assert.NotEmpty(done);

        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        foreach (var cut in new[] { first, second })
        {
            // One process: the connection is reset. The front: the worker's cut is a 502.
            try
            {
                using var response = await cut;
                Assert.Equal(System.Net.HttpStatusCode.BadGateway, response.StatusCode);
            }
            catch (HttpRequestException)
            {
            }
        }

        var output = gateway.Output;
        if (balance == "kernel")
        {
            // One warning per worker that was running any (the two requests may have landed on one worker or both).
            var warnings = output.Split('\n').Where(l => Regex.IsMatch(l, @"\] w\d RobynGateway.Hosting.InFlightRequests: Graceful stop: ")).ToList();
            Assert.True(warnings.Count is 1 or 2, output);
            Assert.Equal(2, warnings.Sum(w => int.Parse(Regex.Match(w, @"Graceful stop: (\d+) request\(s\)").Groups[1].Value)));
            Assert.Single(warnings, w => Regex.IsMatch(w, @"GET /very-slow/first \(running [1-9]\d*\.\d s\)"));
            Assert.Single(warnings, w => Regex.IsMatch(w, @"GET /very-slow/second \(running [1-9]\d*\.\d s\)"));
            Assert.DoesNotContain(warnings, w => w.Contains("/pid"));
            Assert.DoesNotContain("   at ", output);
            return;
        }
        var front = Assert.Single(output.Split('\n'), l => l.Contains("RobynGateway.Hosting.InFlightRequests") && !Regex.IsMatch(l, @"\] w\d "));
        Assert.True(Regex.IsMatch(front, @"^\[\d\d:\d\d:\d\d WRN\] RobynGateway.Hosting.InFlightRequests: Graceful stop: 2 request\(s\) still running after --graceful-timeout 1 s are cut: "), output);
        Assert.Matches(@"GET /very-slow/first \(running [1-9]\d*\.\d s\)", front);
        Assert.Matches(@"GET /very-slow/second \(running [1-9]\d*\.\d s\)", front);
        Assert.DoesNotContain("/pid", front);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task A_stop_that_drains_in_time_names_nothing()
    {
        await using var gateway = await GatewayProcess.Start("client_faults_app.py", ["--graceful-timeout", "5"]).WaitReadyAsync();
        var slow = gateway.Client.GetStringAsync("/slow");
        await Task.Delay(500);
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal("finished slowly", await slow);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("Graceful stop", gateway.Output);
    }
}
