using System.Net;
using RobynGateway.Tests.Infrastructure;
using RobynGateway.Tests.WebSockets;

namespace RobynGateway.Tests.Python;

/// <summary>
/// The event loop's portable wake-up (a self-pipe, what macOS gets: it has no eventfd), forced on
/// Linux with ROBYN_FORCE_PORTABLE_WAKEUP=1: async handlers, an async stream, a websocket and a
/// loop task all run through it, concurrently, in a real process; and by default it is not used.
/// </summary>
public sealed class PortableWakeupProcessTests
{
    static readonly Dictionary<string, string> Forced = new() { ["ROBYN_FORCE_PORTABLE_WAKEUP"] = "1" };

    [Fact]
    public async Task Forced_on_linux_async_handlers_streams_and_websockets_run_through_the_pipe()
    {
        await using var gateway = await GatewayProcess.Start("async_paths_app.py", ["--workers", "2"], env: Forced)
            .WaitReadyAsync(TimeSpan.FromSeconds(120));
        // (That the wake-up is the pipe, not an eventfd: By_default_linux_uses_eventfd, which compares.)

        // Many async requests at once, with sync ones beside them: every one answered, each its own.
        var requests = Enumerable.Range(0, 200).Select(async i =>
        {
            if (i % 10 == 0) return await gateway.Client.GetStringAsync("/sync") == "sync";
            return await gateway.Client.GetStringAsync($"/async/{i}") == $"{{\"double\":{2 * i}}}";
        });
        Assert.All(await Task.WhenAll(requests), Assert.True);

        // An async stream, its chunks produced on the loop.
        Assert.Equal("chunk0;chunk1;chunk2;chunk3;chunk4;", await gateway.Client.GetStringAsync("/stream"));

        // A websocket: every message goes through the loop and back.
        await using (var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/echo")))
        {
            for (var i = 0; i < 20; i++)
            {
                await socket.SendAsync($"m{i}");
                Assert.Equal($"echo m{i}", (await socket.ReceiveAsync(TimeSpan.FromSeconds(30))).Text);
            }
        }

        // The loop keeps turning on its own (a task from the startup handler) between requests.
        var first = await Ticks(gateway);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await Ticks(gateway) <= first)
        {
            Assert.True(DateTime.UtcNow < deadline, "the loop's own task stopped ticking");
            await Task.Delay(100);
        }

        // A clean stop: the loop drains and the process exits 0.
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task By_default_linux_uses_eventfd()
    {
        // The wake-up's is the one eventfd the forced process lacks. Counted against it, not as
        // a number: Python and libc may hold eventfds of their own (3.13 in a Debian 13 root has one).
        async Task<int> EventFdsServing(Dictionary<string, string>? env)
        {
            await using var gateway = await GatewayProcess.Start("async_paths_app.py", env: env).WaitReadyAsync(TimeSpan.FromSeconds(120));
            Assert.Equal("{\"double\":14}", await gateway.Client.GetStringAsync("/async/7"));
            return EventFds(gateway.Pid);
        }
        var forced = await EventFdsServing(Forced);
        var byDefault = await EventFdsServing(null);
        Assert.Equal(forced + 1, byDefault);
    }

    static async Task<int> Ticks(GatewayProcess gateway)
    {
        var response = await gateway.Client.GetAsync("/ticks");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ticks").GetInt32();
    }

    /// <summary>How many eventfds the process holds (its descriptors, as /proc shows them).</summary>
    static int EventFds(int pid) => Directory.GetFiles($"/proc/{pid}/fd")
        .Count(fd => new FileInfo(fd).LinkTarget is "anon_inode:[eventfd]");
}
