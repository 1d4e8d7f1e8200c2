using System.Text.RegularExpressions;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>Start-up says what runs where in one INFO line, and the framework says nothing at INFO.</summary>
public sealed class StartBannerProcessTests
{
    [Fact]
    public async Task One_line_names_version_python_address_processes_workers_metrics_and_root_path()
    {
        var metrics = GatewayProcess.FreePort();
        await using var gateway = await GatewayProcess.Start("mounted_app.py",
            ["--workers", "2", "--metrics-port", metrics.ToString(), "--root-path", "/api"]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        var banner = await gateway.WaitForOutputMatchAsync(@"\[\d\d:\d\d:\d\d INF\] RobynGateway: RobynGateway \d+\.\d+\.\d+ on Python 3\.\d+\.\d+: "
            + $@"serving mounted_app\.py at http://127\.0\.0\.1:{gateway.Port} \(1 process × 2 sync workers; "
            + $@"metrics at http://127\.0\.0\.1:{metrics}/metrics; root path /api\)", TimeSpan.FromSeconds(60));
        Assert.True(banner.Success);
        Assert.Single(Regex.Matches(gateway.Output, "serving mounted_app.py"));
        foreach (var noise in new[] { "Now listening on", "Application started", "Content root path", "Hosting environment", "Microsoft." })
            Assert.DoesNotContain(noise, gateway.Output);
    }

    [Fact]
    public async Task At_debug_the_frameworks_own_lines_come_back()
    {
        await using var gateway = await GatewayProcess.Start("mounted_app.py", ["--log-level", "DEBUG"]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        await gateway.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + gateway.Port, TimeSpan.FromSeconds(60));
        await gateway.WaitForOutputAsync("serving mounted_app.py at", TimeSpan.FromSeconds(60));
    }

    /// <summary>It names the public address (under --balance kernel the workers listen on it, not the front's
    /// Kestrel) and the balance mode with the reason it was chosen.</summary>
    [Theory]
    [InlineData(null, "kernel: the default on Linux")]
    [InlineData("front", "front: --balance front")]
    [InlineData("kernel", "kernel: --balance kernel")]
    public async Task Under_processes_only_the_front_announces_the_start_once_workers_are_ready(string? balance, string mode)
    {
        string[] args = balance is null ? ["--processes", "2"] : ["--processes", "2", "--balance", balance];
        await using var gateway = await GatewayProcess.Start("mounted_app.py", args).WaitReadyAsync(TimeSpan.FromSeconds(120));
        await gateway.WaitForOutputMatchAsync($@"serving mounted_app\.py at http://127\.0\.0\.1:{gateway.Port} \(2 processes × 1 sync worker; "
            + $@"--balance {Regex.Escape(mode)}",
            TimeSpan.FromSeconds(60));
        Assert.Single(Regex.Matches(gateway.Output, "serving mounted_app.py"));
        Assert.DoesNotContain("Now listening on", gateway.Output); // the workers' unix sockets neither
        Assert.True(gateway.Output.IndexOf("workers ready", StringComparison.Ordinal) < gateway.Output.IndexOf("serving mounted_app.py", StringComparison.Ordinal));
    }
}
