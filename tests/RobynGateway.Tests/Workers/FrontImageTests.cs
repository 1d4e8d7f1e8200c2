using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Workers;

/// <summary>
/// The front of <c>--processes</c> reads the app with Python, then replaces its image (same pid)
/// with one that has no interpreter: it only proxies (Workers/FrontExec).
/// </summary>
public sealed class FrontImageTests
{
    [Fact]
    public async Task The_front_keeps_its_pid_and_maps_no_Python_while_each_worker_does()
    {
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2"])
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        var workers = await PidsSeen(gateway.Client, 2);
        Assert.Equal(2, workers.Count);

        var front = await File.ReadAllTextAsync($"/proc/{gateway.Pid}/maps");
        Assert.DoesNotContain("libpython", front);
        Assert.DoesNotContain("Python.Runtime.dll", front);
        foreach (var worker in workers)
        {
            var maps = await File.ReadAllTextAsync($"/proc/{worker}/maps");
            Assert.Contains("libpython", maps);
            // The app imports neither decimal nor uuid, and the robyn package looks their types up
            // instead of importing them: memory a worker does not carry (tests/python/test_import_footprint.py).
            Assert.DoesNotContain("_decimal.", maps);
            Assert.DoesNotContain("_uuid.", maps);
        }
        Assert.DoesNotContain("could not replace its image", gateway.Output);
    }

    [Fact]
    public async Task Processes_asked_for_in_code_give_the_same_front_and_its_buffered_output_is_kept()
    {
        await using var gateway = await GatewayProcess.Start("processes_in_code_app.py")
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        var workers = await PidsSeen(gateway.Client, 2);
        Assert.Equal(2, workers.Count);
        Assert.DoesNotContain(gateway.Pid, workers);

        Assert.DoesNotContain("libpython", await File.ReadAllTextAsync($"/proc/{gateway.Pid}/maps"));
        // Printed by the front's first image, before it was replaced: written out, not lost.
        var line = $"app file read in {gateway.Pid}";
        for (var i = 0; i < 300 && !gateway.Output.Contains(line); i++) await Task.Delay(100);
        Assert.Contains(line, gateway.Output);
    }

    static async Task<HashSet<int>> PidsSeen(HttpClient client, int atLeast)
    {
        var pids = new HashSet<int>();
        for (var i = 0; i < 200 && pids.Count < atLeast; i++)
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/pid"));
            pids.Add(doc.RootElement.GetProperty("pid").GetInt32());
        }
        return pids;
    }
}
