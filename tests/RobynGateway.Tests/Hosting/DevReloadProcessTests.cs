using System.Diagnostics;
using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>
/// <c>--dev</c> as a user runs it: a real supervisor process and its child gateway, on a copy of
/// an app in a temp dir that the tests edit. Every wait is bounded; the supervisor is stopped by
/// its pid, and each test checks that no child outlives it.
/// </summary>
public sealed class DevReloadProcessTests : IDisposable
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    const string App = """
        import os
        from robyn import Robyn

        app = Robyn(__file__)

        @app.get("/")
        def index():
            return "one"

        @app.get("/pid")
        def pid():
            return str(os.getpid())

        @app.get("/boom")
        def boom():
            raise ValueError("a traceback in the 500 with --dev")
        """;

    readonly string _dir = Directory.CreateTempSubdirectory("robyn-dev-").FullName;
    string AppFile => Path.Combine(_dir, "app.py");

    public DevReloadProcessTests() => File.WriteAllText(AppFile, App);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="expected"/>; connection errors mean "restarting".</summary>
    static async Task<string> WaitForAsync(GatewayProcess gateway, string path, string expected)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await gateway.Client.GetStringAsync(path);
                if (last == expected) return last;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{path} still answers '{last}', not '{expected}':\n{gateway.Output}");
    }

    void Edit(string from, string to)
    {
        var text = File.ReadAllText(AppFile);
        Assert.Contains(from, text);
        File.WriteAllText(AppFile, text.Replace(from, to));
    }

    static async Task StopAndCheckAsync(GatewayProcess gateway, int childPid)
    {
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(Exited(childPid), $"the child {childPid} outlived its supervisor:\n{gateway.Output}");
    }

    /// <summary>Gone, or a zombie waiting for whoever inherited it to reap it.</summary>
    static bool Exited(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Fact]
    public async Task An_edit_is_served_on_the_same_port_by_a_new_child()
    {
        await using var gateway = await GatewayProcess.Start(AppFile, ["--dev"]).WaitReadyAsync(Deadline);
        Assert.Equal("one", await gateway.Client.GetStringAsync("/"));
        var firstChild = int.Parse(await gateway.Client.GetStringAsync("/pid"));
        Assert.NotEqual(gateway.Pid, firstChild); // the supervisor runs no Python itself

        var edited = Stopwatch.StartNew();
        Edit("\"one\"", "\"two\"");
        await WaitForAsync(gateway, "/", "two");
        edited.Stop();
        var secondChild = int.Parse(await gateway.Client.GetStringAsync("/pid"));
        Assert.NotEqual(firstChild, secondChild);
        Assert.True(Exited(firstChild));
        Assert.Contains("app.py changed: restarting", gateway.Output);

        using var boom = await gateway.Client.GetAsync("/boom"); // --dev reaches the child: tracebacks in 500s
        Assert.Equal(HttpStatusCode.InternalServerError, boom.StatusCode);
        Assert.Contains("a traceback in the 500 with --dev", await boom.Content.ReadAsStringAsync());

        await StopAndCheckAsync(gateway, secondChild);
    }

    [Fact]
    public async Task A_syntax_error_keeps_the_supervisor_waiting_and_a_fix_recovers()
    {
        await using var gateway = await GatewayProcess.Start(AppFile, ["--dev"]).WaitReadyAsync(Deadline);
        Assert.Equal("one", await gateway.Client.GetStringAsync("/"));

        Edit("def index():", "def index(:");
        var deadline = DateTime.UtcNow + Deadline;
        while (!gateway.Output.Contains("waiting for a change") && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Contains("SyntaxError", gateway.Output);
        Assert.Contains("The app stopped (exit code 1); waiting for a change to a .py file", gateway.Output);
        await Assert.ThrowsAsync<HttpRequestException>(() => gateway.Client.GetStringAsync("/"));

        Edit("def index(:", "def index():");
        Edit("\"one\"", "\"fixed\"");
        await WaitForAsync(gateway, "/", "fixed");
        await StopAndCheckAsync(gateway, int.Parse(await gateway.Client.GetStringAsync("/pid")));
    }

    [Fact]
    public async Task Ctrl_c_stops_the_child_and_exits_0()
    {
        await using var gateway = await GatewayProcess.Start(AppFile, ["--dev"]).WaitReadyAsync(Deadline);
        var child = int.Parse(await gateway.Client.GetStringAsync("/pid"));
        gateway.Signal(GatewayProcess.SIGINT); // only the supervisor: a terminal would signal both
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(Exited(child), gateway.Output);
    }

    [Fact]
    public async Task A_child_whose_supervisor_was_killed_stops_itself()
    {
        await using var gateway = await GatewayProcess.Start(AppFile, ["--dev"]).WaitReadyAsync(Deadline);
        var child = int.Parse(await gateway.Client.GetStringAsync("/pid"));
        gateway.Signal(GatewayProcess.SIGKILL);
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Exited(child) && DateTime.UtcNow < deadline) await Task.Delay(100);
        if (!Exited(child)) Process.GetProcessById(child).Kill(); // never leave it behind, even when failing
        Assert.True(Exited(child));
    }
}
