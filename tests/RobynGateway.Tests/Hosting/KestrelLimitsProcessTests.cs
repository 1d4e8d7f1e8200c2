using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>
/// The listener's limits and --root-path on the real program, over real sockets: the front's
/// under --processes, the one process's otherwise.
/// </summary>
public sealed class KestrelLimitsProcessTests
{
    static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    const string Request = "GET /api/ HTTP/1.1\r\nHost: x\r\n\r\n";

    [Fact]
    public async Task Under_processes_the_front_applies_header_timeout_and_backlog_and_each_worker_strips_the_root_path()
    {
        await using var gateway = await GatewayProcess.Start("mounted_app.py",
            ["--processes", "2", "--root-path", "/api/", "--header-timeout", "2", "--backlog", "7"]).WaitReadyAsync(TimeSpan.FromSeconds(120));

        // The prefix is stripped before routing; the handler sees the path without it.
        var item = await Json(gateway.Client, "/api/items/7");
        Assert.Equal(("/items/7", "7"), (item.GetProperty("path").GetString(), item.GetProperty("id").GetString()));
        Assert.Equal("/", (await Json(gateway.Client, "/api")).GetProperty("path").GetString());
        // A path without the prefix (a proxy that strips it) is served as is; another prefix is not the app's.
        Assert.Equal("/items/8", (await Json(gateway.Client, "/items/8")).GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/apix/items/7")).StatusCode);

        // Headers that never end: 408, and the connection is closed (Kestrel checks about once a second).
        using (var slow = await RawClient.ConnectAsync(gateway.Port))
        {
            var clock = Stopwatch.StartNew();
            await slow.SendAsync("GET /api/ HTTP/1.1\r\nHost: x\r\n");
            var (text, closed) = await slow.ReceiveUntilClosedAsync(Generous);
            Assert.True(closed, $"still open after {clock.Elapsed}: {text}");
            Assert.StartsWith("HTTP/1.1 408 Request Timeout", text);
            Assert.Contains("Connection: close", text);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"408 after only {clock.Elapsed}");
        }
        // A client that sends its headers in time is unaffected.
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/api/")).StatusCode);

        // listen(2)'s backlog, as the kernel reports it for a listening socket (ss: Send-Q).
        Assert.Equal("7", ListenBacklog(gateway.Port));
    }

    [Fact]
    public async Task Max_connections_closes_the_one_over_the_bound_unanswered_and_serves_again_once_one_closes()
    {
        await using var gateway = await GatewayProcess.Start("mounted_app.py",
            ["--root-path", "/api", "--max-connections", "2"]).WaitReadyAsync(TimeSpan.FromSeconds(120));

        // Two connections, each answered (so each is counted); a probe left closing may refuse one: retry.
        var open = new List<RawClient>();
        var deadline = DateTime.UtcNow + Generous;
        while (open.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "could not open two connections:\n" + gateway.Output);
            var client = await RawClient.ConnectAsync(gateway.Port);
            if (await Answered(client)) open.Add(client);
            else
            {
                client.Dispose();
                await Task.Delay(200);
            }
        }

        // The third is accepted by the kernel, then closed by Kestrel without an answer.
        using (var third = await RawClient.ConnectAsync(gateway.Port))
        {
            try
            {
                await third.SendAsync(Request);
            }
            catch (IOException)
            {
                // reset before the request went out: refused all the same
            }
            var (text, closed) = await third.ReceiveUntilClosedAsync(Generous);
            Assert.True(closed);
            Assert.Equal("", text);
        }
        // A burst of refused connections is counted in one warning a second, not a line each.
        for (var i = 0; i < 20; i++)
        {
            using var refused = await RawClient.ConnectAsync(gateway.Port);
            var (_, closed) = await refused.ReceiveUntilClosedAsync(Generous);
            Assert.True(closed);
        }
        await gateway.WaitForOutputAsync("Refused ", Generous);
        await Task.Delay(1500); // the last second's count
        var counts = System.Text.RegularExpressions.Regex.Matches(gateway.Output, @"Refused (\d+) connection\(s\) in the last second: --max-connections were already open")
            .Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.True(counts.Sum() >= 21, $"refusals counted: {string.Join(", ", counts)}\n{gateway.Output}");
        Assert.True(counts.Count < 21, gateway.Output);
        Assert.DoesNotContain("maximum number of concurrent connections", gateway.Output);

        // The two keep being served.
        Assert.True(await Answered(open[0]));

        // One closes: a new connection is served again (once Kestrel has counted the close).
        open[0].Dispose();
        var served = false;
        while (!served && DateTime.UtcNow < deadline)
        {
            using var again = await RawClient.ConnectAsync(gateway.Port);
            served = await Answered(again);
            if (!served) await Task.Delay(200);
        }
        Assert.True(served, "no connection served after one closed:\n" + gateway.Output);
        foreach (var client in open) client.Dispose();
    }

    static async Task<bool> Answered(RawClient client)
    {
        try
        {
            await client.SendAsync(Request);
        }
        catch (IOException)
        {
            return false;
        }
        var text = await client.ReceiveAsync("\"pid\"", Generous);
        return text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) && text.Contains("\"path\":\"/\"", StringComparison.Ordinal);
    }

    static async Task<JsonElement> Json(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>The backlog of the socket listening on the port, from iproute2's ss (Send-Q of a listener).</summary>
    static string ListenBacklog(int port)
    {
        var psi = new ProcessStartInfo("ss", ["-ltnH", $"sport = :{port}"]) { RedirectStandardOutput = true };
        using var ss = Process.Start(psi)!;
        var output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        var fields = output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        Assert.True(fields.Length >= 3, $"ss printed: {output}");
        return fields[2]; // State Recv-Q Send-Q Local Peer
    }
}
