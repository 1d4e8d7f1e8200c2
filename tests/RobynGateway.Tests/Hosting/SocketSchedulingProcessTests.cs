using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>
/// Socket completions run inline (Hosting/SocketScheduling.cs) in every process of the real
/// program. What shows it from outside: with inline completions the runtime runs one socket engine
/// thread (".NET Sockets") per core, without them one for up to 30 cores. DOTNET_PROCESSOR_COUNT=3
/// makes the count tell the two apart on any machine.
/// </summary>
public sealed class SocketSchedulingProcessTests
{
    const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    [Fact]
    public async Task By_default_the_process_runs_one_socket_engine_thread_per_core()
    {
        // Not inherited from this test process (where a test that ran Program.Main in-process has set it).
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--log-level", "WARNING"],
            env: new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "3" }, unset: [Variable]).WaitReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(gateway.Pid.ToString(), await gateway.Client.GetStringAsync("/pid"));

        Assert.Equal(3, SocketEngineThreads(gateway.Pid));
    }

    [Fact]
    public async Task The_workers_of_processes_run_inline_too()
    {
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2", "--log-level", "WARNING"],
            env: new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "3" }, unset: [Variable]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        var workers = await WorkersServingAsync(gateway);

        Assert.Equal(2, workers.Count);
        Assert.All(workers, pid => Assert.Equal(3, SocketEngineThreads(pid)));
    }

    [Fact]
    public async Task Zero_in_the_environment_turns_it_off()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--log-level", "WARNING"],
            env: new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "3", [Variable] = "0" }).WaitReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(gateway.Pid.ToString(), await gateway.Client.GetStringAsync("/pid"));

        Assert.Equal(1, SocketEngineThreads(gateway.Pid));
    }

    static int SocketEngineThreads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Count(task => ReadOrEmpty(Path.Combine(task, "comm")).Trim() == ".NET Sockets");

    /// <summary>The workers, by the pid each answers with (a worker's Python runs in the worker's process).</summary>
    static async Task<List<int>> WorkersServingAsync(GatewayProcess gateway)
    {
        var pids = new HashSet<int>();
        for (var i = 0; i < 200 && pids.Count < 2; i++)
        {
            // A fresh connection each time: the kernel (--balance kernel) hands each to a worker.
            using var client = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
            client.DefaultRequestHeaders.ConnectionClose = true;
            var answer = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/pid"));
            pids.Add(answer.RootElement.GetProperty("pid").GetInt32());
        }
        return pids.ToList();
    }

    static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; } // a thread that ended between listing and reading
    }
}
