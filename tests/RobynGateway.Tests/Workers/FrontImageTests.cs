using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Workers;

/// <summary>
/// The front of <c>--processes</c> reads the app with Python, then replaces its image (same pid)
/// with one that has no interpreter: it only proxies (Workers/FrontExec). That image is the
/// gateway's NativeAOT build beside it (scripts/build-front.sh; scripts/test.sh puts one beside
/// the tests' gateway), which then runs the workers too; else the gateway's own, for both.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // --processes is Linux only
public sealed class FrontImageTests
{
    static readonly string Image = Path.Combine(AppContext.BaseDirectory, RobynGateway.Workers.FrontExec.NativeImageFolder,
        RobynGateway.Workers.FrontExec.NativeImageName);

    static void RequireImage() => Assert.True(File.Exists(Image),
        $"no front image at {Image}: run `bash scripts/build-front.sh {AppContext.BaseDirectory}` (scripts/test.sh does)");

    [Fact]
    public async Task The_front_and_its_workers_run_the_NativeAOT_image_with_no_JIT_the_front_in_under_50_MB()
    {
        RequireImage();
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2", "--balance", "front"])
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        var workers = await PidsSeen(gateway.Client, 2);
        Assert.Equal(2, workers.Count);

        Assert.Equal(Image, Exe(gateway.Pid));
        var maps = await File.ReadAllTextAsync($"/proc/{gateway.Pid}/maps");
        Assert.DoesNotContain("libcoreclr", maps);
        Assert.DoesNotContain("libclrjit", maps);
        Assert.DoesNotContain(".dll", maps);
        foreach (var worker in workers)
        {
            // The image embeds Python too, through the C-API alone (no JIT needed).
            Assert.Equal(Image, Exe(worker));
            var workerMaps = await File.ReadAllTextAsync($"/proc/{worker}/maps");
            Assert.Contains("libpython", workerMaps);
            Assert.DoesNotContain("libclrjit", workerMaps);
        }
        // Idle after start, with the requests above served through it (bench/memory.sh measures the same).
        await Task.Delay(TimeSpan.FromSeconds(2));
        var rssKb = long.Parse(File.ReadLines($"/proc/{gateway.Pid}/status").First(l => l.StartsWith("VmRSS:"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.True(rssKb <= 50 * 1024, $"the front's RSS is {rssKb / 1024} MB");
        Assert.Equal(0, await Stop(gateway));
    }

    [Fact]
    public async Task An_apps_Serilog_section_applies_in_the_front_image_too()
    {
        // The image cannot scan assembly files for Serilog's sinks and enrichers (it has none): it names them.
        RequireImage();
        var folder = Directory.CreateTempSubdirectory("robyn-front-serilog-");
        try
        {
            File.Copy(TestApps.PathOf("multiprocess_app.py"), Path.Combine(folder.FullName, "app.py"));
            File.WriteAllText(Path.Combine(folder.FullName, "appsettings.json"), """
                {"Serilog": {"Enrich": ["FromLogContext"], "Properties": {"Application": "shop"},
                             "MinimumLevel": {"Override": {"RobynGateway": "Debug"}}}}
                """);
            await using var gateway = await GatewayProcess.Start(Path.Combine(folder.FullName, "app.py"),
                ["--processes", "2", "--balance", "front", "--log-format", "json"]).WaitReadyAsync(TimeSpan.FromSeconds(120));
            Assert.Equal(Image, Exe(gateway.Pid));
            (await gateway.Client.GetAsync("/pid")).EnsureSuccessStatusCode();
            Assert.Equal(0, await Stop(gateway));
            var lines = gateway.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            // The front's own lines (no Worker property) carry the section's property, and the
            // section's level for the gateway's lines shows the front's DEBUG line (INFO by default).
            var front = lines.Where(l => !l.TryGetProperty("Worker", out _)).ToList();
            Assert.Contains(front, l => l.TryGetProperty("Application", out var a) && a.GetString() == "shop");
            Assert.Contains(front, l => l.GetProperty("@m").GetString()!.StartsWith("Front process: 2 worker processes"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // say, an image built for another CPU
    public async Task Without_an_image_that_runs_beside_the_gateway_the_front_runs_on_the_gateways_own(bool unusableImage)
    {
        var copy = Directory.CreateTempSubdirectory("robyn-no-front-image-");
        try
        {
            foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
                File.Copy(file, Path.Combine(copy.FullName, Path.GetFileName(file)));
            foreach (var dir in new[] { "python" })
                CopyTree(Path.Combine(AppContext.BaseDirectory, dir), Path.Combine(copy.FullName, dir));
            var broken = Path.Combine(copy.FullName, "front", "RobynGateway");
            if (unusableImage)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
                File.WriteAllBytes(broken, [0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 0, 0, 0]); // not a program this machine runs
                File.SetUnixFileMode(broken, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            await using var gateway = await GatewayProcess.Start(TestApps.PathOf("multiprocess_app.py"), ["--processes", "2"],
                gatewayDll: Path.Combine(copy.FullName, "RobynGateway.dll")).WaitReadyAsync(TimeSpan.FromSeconds(120));
            var workers = await PidsSeen(gateway.Client, 2);
            Assert.Equal(2, workers.Count);
            Assert.EndsWith("/dotnet", Exe(gateway.Pid));
            Assert.All(workers, w => Assert.EndsWith("/dotnet", Exe(w)));
            Assert.DoesNotContain("libpython", await File.ReadAllTextAsync($"/proc/{gateway.Pid}/maps"));
            Assert.Equal(unusableImage, gateway.Output.Contains($"The NativeAOT image {broken} could not start ("));
            Assert.DoesNotContain("could not replace its image", gateway.Output);
            Assert.Equal(0, await Stop(gateway));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_image_alone_serves_an_app_as_one_process_with_no_JIT()
    {
        RequireImage();
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", gatewayDll: Image)
            .WaitReadyAsync(TimeSpan.FromSeconds(60));
        var pids = await PidsSeen(gateway.Client, 1);
        Assert.Equal([gateway.Pid], pids);
        var maps = await File.ReadAllTextAsync($"/proc/{gateway.Pid}/maps");
        Assert.Contains("libpython", maps);
        Assert.DoesNotContain("libclrjit", maps);
        Assert.Equal(0, await Stop(gateway));
        // The app's lifecycle ran in the image (its robyn package is the build's, one folder up).
        Assert.Contains($"startup handler ran in {gateway.Pid}", gateway.Output);
        Assert.Contains($"shutdown handler ran in {gateway.Pid}", gateway.Output);
    }

    [Fact]
    public async Task The_image_alone_with_processes_becomes_its_own_front_and_starts_workers_of_itself()
    {
        // As a user runs it from the wheel's or the Docker image's folder: no front/ beside it, so
        // the process that read the app execs itself as the front, with itself as the workers' program.
        RequireImage();
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2"], gatewayDll: Image)
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        var workers = await PidsSeen(gateway.Client, 2);
        Assert.Equal(2, workers.Count);
        Assert.Equal(Image, Exe(gateway.Pid));
        Assert.DoesNotContain("libpython", await File.ReadAllTextAsync($"/proc/{gateway.Pid}/maps"));
        Assert.All(workers, w => Assert.Equal(Image, Exe(w)));
        Assert.DoesNotContain("could not replace its image", gateway.Output);
        Assert.Equal(0, await Stop(gateway));
    }

    static Task<int> Stop(GatewayProcess gateway)
    {
        gateway.Signal(GatewayProcess.SIGTERM);
        return gateway.WaitForExitAsync(TimeSpan.FromSeconds(40));
    }

    static string Exe(int pid) => new FileInfo($"/proc/{pid}/exe").LinkTarget!;

    static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    [Fact]
    public async Task The_front_keeps_its_pid_and_maps_no_Python_while_each_worker_does()
    {
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2"])
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        var workers = await PidsSeen(gateway.Client, 2);
        Assert.Equal(2, workers.Count);

        var front = await File.ReadAllTextAsync($"/proc/{gateway.Pid}/maps");
        Assert.DoesNotContain("libpython", front);
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
        // A connection per request (--balance kernel keeps a connection on its worker), until both
        // answered: under kernel the second worker takes connections once it is ready, which app.start's
        // processes (no --processes for the helper to wait on) may leave a few seconds after the port opens.
        var pids = new HashSet<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        for (var i = 0; i < 2000 && pids.Count < atLeast && DateTime.UtcNow < deadline; i++)
        {
            pids.Add(await MultiProcessTests.PidOf(client));
            if (i >= 20) await Task.Delay(50);
        }
        return pids;
    }
}
