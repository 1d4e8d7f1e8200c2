using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;
using RobynGateway.Tests.WebSockets;

namespace RobynGateway.Tests.Workers;

/// <summary>
/// <c>--processes N</c>: a front process, N supervised worker processes, under either --balance mode
/// (kernel, the default on Linux, and front, YARP); a test of what only the front's proxy does says so
/// in its name and passes --balance front.
/// </summary>
public sealed class MultiProcessTests
{
    static Task<GatewayProcess> StartAsync(params string[] args) =>
        GatewayProcess.Start("multiprocess_app.py", ["--processes", "2", .. args]).WaitReadyAsync(TimeSpan.FromSeconds(120));

    /// <summary>On a connection of its own: under --balance kernel a keep-alive connection stays with the worker that accepted it.</summary>
    internal static async Task<int> PidOf(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/pid");
        request.Headers.ConnectionClose = true;
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("pid").GetInt32();
    }

    static async Task<HashSet<int>> PidsSeen(HttpClient client, int atLeast, int maxRequests = 200)
    {
        var pids = new HashSet<int>();
        for (var i = 0; i < maxRequests && pids.Count < atLeast; i++) pids.Add(await PidOf(client));
        return pids;
    }

    [Fact]
    public async Task Two_workers_answer_with_their_own_pids_and_the_client_address()
    {
        await using var gateway = await StartAsync();
        var pids = await PidsSeen(gateway.Client, 2);
        Assert.Equal(2, pids.Count);
        Assert.DoesNotContain(gateway.Pid, pids);

        using var doc = JsonDocument.Parse(await gateway.Client.GetStringAsync("/pid"));
        Assert.Equal("127.0.0.1", doc.RootElement.GetProperty("ip").GetString()); // the client's (front: by X-Forwarded-For)
        Assert.Equal("http", doc.RootElement.GetProperty("scheme").GetString());

        var posted = await gateway.Client.PostAsync("/echo", new StringContent("a body"));
        Assert.Equal("a body", await posted.Content.ReadAsStringAsync());
        Assert.Equal(2, Occurrences(gateway.Output, "startup handler ran in"));
    }

    /// <summary>
    /// The requests the victim was running are lost (502: they may be what killed it, so they are
    /// not replayed); every request after its death goes to the other worker. Front-only: the 502 and
    /// the line naming each lost request are the proxy's (--balance kernel: KernelBalanceTests'
    /// A_SIGKILLed_worker_is_replaced_and_no_new_connection_is_refused_meanwhile).
    /// </summary>
    [Fact]
    public async Task Front_balance_a_worker_killed_under_load_loses_only_the_requests_it_was_running_as_502s_and_is_replaced()
    {
        await using var gateway = await StartAsync("--balance", "front");
        var before = await PidsSeen(gateway.Client, 2);
        var victim = before.First();

        var failures = new ConcurrentQueue<string>();
        var served = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await gateway.Client.GetAsync("/pid");
                    if (response.StatusCode != HttpStatusCode.OK) failures.Enqueue($"status {(int)response.StatusCode}");
                    else Interlocked.Increment(ref served);
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        })).ToArray();
        await Task.Delay(1500);
        Process.GetProcessById(victim).Kill(); // SIGKILL
        await Task.WhenAll(load);

        // At most one request per load task was in the victim when it died.
        Assert.True(failures.Count <= 8 && failures.All(f => f == "status 502"),
            $"{failures.Count} failed requests of {served + failures.Count}: {string.Join("; ", failures.Take(5))}\n{gateway.Output}");
        Assert.True(served > 50, $"only {served} requests served");

        // A new worker takes the dead one's place.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HashSet<int> after = [];
        while (DateTime.UtcNow < deadline && after.Count < 2)
        {
            after = await PidsSeen(gateway.Client, 2, 50);
            after.Remove(victim);
        }
        Assert.Equal(2, after.Count);
        Assert.Contains("exited with code 137", gateway.Output);
        Assert.Equal(failures.Count, CountLines(gateway.Output, "closed the connection without answering"));
    }

    [Fact]
    public async Task SIGTERM_drains_a_slow_request_runs_every_shutdown_handler_and_exits_0()
    {
        await using var gateway = await StartAsync();
        var slow = gateway.Client.GetStringAsync("/slow");
        // SIGTERM once the request is in a worker's handler (a machine under load may take a while).
        for (var i = 0; i < 200 && !gateway.Output.Contains("slow request started"); i++) await Task.Delay(50);
        Assert.Contains("slow request started", gateway.Output);
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.StartsWith("slow answer from", await slow);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, Occurrences(gateway.Output, "shutdown handler ran in"));
    }

    [Fact]
    public async Task Max_requests_replaces_workers_without_failing_a_request()
    {
        await using var gateway = await StartAsync("--max-requests", "15");
        // Keep asking (every request must succeed) until the replacements, which take a few
        // seconds to start, have served too.
        var pids = new HashSet<int>();
        var requests = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (pids.Count < 4 && DateTime.UtcNow < deadline)
        {
            pids.Add(await PidOf(gateway.Client)); // throws on any failure
            requests++;
            await Task.Delay(20);
        }
        Assert.True(pids.Count >= 4, $"only {pids.Count} worker pids over {requests} requests with --max-requests 15\n{gateway.Output}");
        Assert.Contains("replacing it", gateway.Output);
    }

    [Fact]
    public async Task WebSockets_pass_through_the_front()
    {
        await using var gateway = await StartAsync();
        await using var client = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/room"));
        Assert.StartsWith("joined ", await client.ReceiveTextAsync());
        await client.SendAsync("hello");
        Assert.EndsWith(": hello", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_worker_that_cannot_start_fails_the_start_with_exit_code_1()
    {
        await using var gateway = GatewayProcess.Start("startup_fails_app.py", ["--processes", "2"]);
        Assert.Equal(1, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("before it was ready", gateway.Output);
    }

    [Fact]
    public async Task SIGTERM_while_the_workers_start_stops_them_and_exits_0()
    {
        await using var gateway = GatewayProcess.Start("multiprocess_app.py", ["--processes", "2"]);
        // Wait until the front has started its workers, but not until they are ready.
        for (var i = 0; i < 1200 && WorkersOf(gateway.Pid).Count == 0; i++) await Task.Delay(50); // 60 s: the front reads the app first
        Assert.NotEmpty(WorkersOf(gateway.Pid));
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        for (var i = 0; i < 100 && WorkersOf(gateway.Pid).Count > 0; i++) await Task.Delay(100);
        Assert.Empty(WorkersOf(gateway.Pid));
    }

    [Fact]
    public async Task Workers_stop_when_their_front_is_killed()
    {
        await using var gateway = await StartAsync();
        Assert.Equal(2, WorkersOf(gateway.Pid).Count);
        gateway.Signal(GatewayProcess.SIGKILL);
        // The workers share its output: it ends when they have noticed and stopped (slow on a busy machine).
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 150 && WorkersOf(gateway.Pid).Count > 0; i++) await Task.Delay(100);
        Assert.Empty(WorkersOf(gateway.Pid));
    }

    /// <summary>Live processes whose command line names the front (<c>--worker-of PID</c>): its workers.</summary>
    internal static List<int> WorkersOf(int frontPid)
    {
        var marker = $"\0--worker-of\0{frontPid}\0";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker)
                    && !File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ")) found.Add(pid);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }
        return found;
    }

    static int CountLines(string output, string text) =>
        output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>Occurrences, not lines: the workers write to one pipe, and two lines written at once may share one.</summary>
    static int Occurrences(string output, string text) =>
        System.Text.RegularExpressions.Regex.Count(output, System.Text.RegularExpressions.Regex.Escape(text));
}

/// <summary>Websockets across the workers of one front: the relay in the front process.</summary>
public sealed class CrossWorkerSocketTests
{
    [Fact]
    public async Task Broadcasts_send_to_and_active_connections_reach_every_worker()
    {
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2"]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        // Connect until clients sit on both workers (the greeting names the worker's pid).
        var clients = new List<(SocketClient Client, string Id, string Pid)>();
        try
        {
            for (var i = 0; i < 40 && clients.Select(c => c.Pid).Distinct().Count() < 2; i++)
            {
                var client = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/room"));
                var parts = (await client.ReceiveTextAsync()).Split(' '); // "joined <id> on <pid>"
                clients.Add((client, parts[1], parts[3]));
            }
            var a = clients.First();
            var b = clients.First(c => c.Pid != a.Pid);
            Assert.NotEqual(a.Pid, b.Pid);

            // A broadcast from a client of one worker reaches a client of the other.
            await a.Client.SendAsync("hello all");
            Assert.Equal($"{a.Pid}: hello all", await b.Client.ReceiveTextAsync());
            foreach (var other in clients.Where(c => c.Client != b.Client))
                Assert.Equal($"{a.Pid}: hello all", await other.Client.ReceiveTextAsync());

            // active_connections lists the clients of both workers.
            var ids = (await a.Client.AskAsync("who")).Split(',');
            Assert.Equal(clients.Select(c => c.Id).Order(), ids.Order());

            // send_to reaches a client that lives in the other worker.
            Assert.Equal("delivered: True", await a.Client.AskAsync($"to:{b.Id}:psst"));
            Assert.Equal("psst", await b.Client.ReceiveTextAsync());

            // close(id) reaches a client of the other worker (the relay carries it); an unknown id is False.
            Assert.Equal("kicked: False", await a.Client.AskAsync("kick:no-such-client"));
            Assert.Equal("kicked: True", await a.Client.AskAsync($"kick:{b.Id}"));
            var closed = await b.Client.ReceiveCloseAsync();
            Assert.Equal(((System.Net.WebSockets.WebSocketCloseStatus)4000, "kicked"), (closed.CloseStatus, closed.CloseReason));
            // Answering the close, as a browser does; a client that never answers is dropped only after
            // the 5 s close handshake, as long as the wait below.
            await b.Client.CloseAsync();

            // The closed client leaves every worker's list.
            for (var i = 0; i < 50; i++)
            {
                if (!(await a.Client.AskAsync("who")).Contains(b.Id)) return;
                await Task.Delay(100);
            }
            Assert.Fail("the closed client stayed in active_connections");
        }
        finally
        {
            foreach (var c in clients) await c.Client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_worker_that_dies_takes_its_clients_out_of_the_other_workers_lists()
    {
        await using var gateway = await GatewayProcess.Start("multiprocess_app.py", ["--processes", "2"]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        var clients = new List<(SocketClient Client, string Id, string Pid)>();
        try
        {
            for (var i = 0; i < 40 && clients.Select(c => c.Pid).Distinct().Count() < 2; i++)
            {
                var client = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/room"));
                var parts = (await client.ReceiveTextAsync()).Split(' '); // "joined <id> on <pid>"
                clients.Add((client, parts[1], parts[3]));
            }
            var survivor = clients.First();
            var doomed = clients.Where(c => c.Pid != survivor.Pid).ToList();
            Assert.NotEmpty(doomed);
            Assert.Contains(doomed[0].Id, await survivor.Client.AskAsync("who"));

            System.Diagnostics.Process.GetProcessById(int.Parse(doomed[0].Pid)).Kill(); // SIGKILL: no close frames, no Left messages
            for (var i = 0; i < 100; i++)
            {
                var who = await survivor.Client.AskAsync("who");
                if (doomed.All(d => !who.Contains(d.Id))) return;
                await Task.Delay(100);
            }
            Assert.Fail($"the dead worker's clients stayed in active_connections\n{gateway.Output}");
        }
        finally
        {
            foreach (var c in clients) await c.Client.DisposeAsync();
        }
    }
}
