using System.Diagnostics;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Observability;

/// <summary>
/// Debian's Prometheus (scripts/install-test-deps.sh) scrapes a gateway with <c>--processes 2</c>
/// every 2 s and answers a PromQL query for a per-route series summed across the workers.
/// </summary>
public sealed class PrometheusScrapeTests
{
    const string Binary = "/usr/bin/prometheus";

    [Fact]
    public async Task Prometheus_scrapes_the_front_and_sums_a_route_across_workers()
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: run scripts/install-test-deps.sh (Debian's prometheus package).");
        var metricsPort = GatewayProcess.FreePort();
        await using var gateway = await GatewayProcess.Start("observability_app.py",
            ["--processes", "2", "--metrics-port", metricsPort.ToString(), "--no-access-log"]).WaitReadyAsync(TimeSpan.FromSeconds(90));
        const int requests = 12;
        for (var i = 0; i < requests; i++) (await gateway.Client.GetAsync($"/users/{i}")).EnsureSuccessStatusCode();

        var folder = Directory.CreateTempSubdirectory("robyn-prometheus-").FullName;
        var webPort = GatewayProcess.FreePort();
        File.WriteAllText(Path.Combine(folder, "prometheus.yml"), $"""
            global:
              scrape_interval: 2s
            scrape_configs:
              - job_name: robyn
                static_configs:
                  - targets: ["127.0.0.1:{metricsPort}"]
            """);
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"--config.file={folder}/prometheus.yml", $"--storage.tsdb.path={folder}/data",
                     $"--web.listen-address=127.0.0.1:{webPort}" })
            psi.ArgumentList.Add(a);
        using var prometheus = Process.Start(psi)!;
        prometheus.OutputDataReceived += static (_, _) => { };
        prometheus.ErrorDataReceived += static (_, _) => { };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}"), Timeout = TimeSpan.FromSeconds(5) };
            const string query = "sum by (http_route) (robyn_python_duration_seconds_count{http_route=\"/users/:id\"})";
            double? total = null;
            var workers = 0;
            for (var attempt = 0; attempt < 90 && total != requests; attempt++)
            {
                await Task.Delay(500);
                try
                {
                    var answer = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}")).RootElement;
                    var result = answer.GetProperty("data").GetProperty("result");
                    if (result.GetArrayLength() == 1)
                        total = double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                    var byWorker = JsonDocument.Parse(await api.GetStringAsync(
                        $"/api/v1/query?query={Uri.EscapeDataString("count by (worker) (robyn_python_duration_seconds_count)")}")).RootElement;
                    workers = byWorker.GetProperty("data").GetProperty("result").GetArrayLength();
                }
                catch (HttpRequestException)
                {
                    // Prometheus is still starting.
                }
            }
            Assert.Equal(requests, total);
            Assert.InRange(workers, 1, 2); // labelled by worker; a worker that served none has no route series yet
            var targets = JsonDocument.Parse(await api.GetStringAsync("/api/v1/targets")).RootElement;
            Assert.Equal("up", targets.GetProperty("data").GetProperty("activeTargets")[0].GetProperty("health").GetString());
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
