using System.Net;
using System.Text.RegularExpressions;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>
/// What clients do wrong is a Debug line with its reason and no stack trace; a real server fault is
/// still an Error with its traceback. On main: a client that reset its connection mid-body was an
/// Error from Kestrel with a 17-line trace on one process; under <c>--processes</c> YARP printed a
/// Warning and up to 100 lines of trace for a dropped websocket, a stalled upload or a dead worker;
/// Kestrel's Debug lines for bad requests and failed TLS handshakes carried traces too.
/// </summary>
public sealed class ClientFaultLogTests
{
    /// <param name="balance">With processes 2: front (the front's proxy answers 502 for a worker that dies and
    /// logs it; YARP's own lines are checked) or kernel (the worker holds the client's connection: it closes
    /// unanswered, and the supervisor logs the exit).</param>
    [Theory]
    [InlineData(1, "INFO", false, null)]
    [InlineData(2, "INFO", false, "front")]
    [InlineData(2, "INFO", false, "kernel")]
    [InlineData(1, "DEBUG", true, null)]
    [InlineData(2, "DEBUG", true, "front")]
    [InlineData(2, "DEBUG", true, "kernel")]
    public async Task Client_faults_are_debug_lines_without_traces_and_server_faults_stay_errors(int processes, string level, bool tls, string? balance)
    {
        using var certificate = TestCertificate.Create();
        string[] https = tls ? ["--ssl-certfile", certificate.CertFile, "--ssl-keyfile", certificate.KeyFile] : [];
        string[] mode = balance is null ? [] : ["--balance", balance];
        var front = balance == "front";
        await using var gateway = await GatewayProcess.Start("client_faults_app.py",
            ["--processes", processes.ToString(), "--log-level", level, .. mode, .. https]).WaitReadyAsync(TimeSpan.FromSeconds(120));
        var port = gateway.Port;
        using var client = tls ? certificate.ClientFor(port, HttpVersion.Version11) : null;
        var http = client ?? gateway.Client;

        // Half a body, then a reset (a few times: what Kestrel logs depends on where the reset lands).
        for (var i = 0; i < 5; i++)
        {
            using var c = await RawClient.ConnectAsync(port, tls);
            await c.SendAsync("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + new string('a', 100));
            await Task.Delay(300);
            c.Reset();
        }
        // Gone mid-answer: a reset after the first events of a stream, and before a slow answer.
        using (var c = await RawClient.ConnectAsync(port, tls))
        {
            await c.SendAsync("GET /ticks HTTP/1.1\r\nHost: x\r\n\r\n");
            await c.ReceiveAsync("tick 1", TimeSpan.FromSeconds(10));
            c.Reset();
        }
        using (var c = await RawClient.ConnectAsync(port, tls))
        {
            await c.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            await Task.Delay(500);
            c.Reset();
        }
        // A header line that is not a header.
        using (var c = await RawClient.ConnectAsync(port, tls))
        {
            await c.SendAsync("GET /pid HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 400", await c.ReceiveAsync("\r\n\r\n", TimeSpan.FromSeconds(10)));
        }
        // A websocket dropped without a close frame.
        using (var c = await RawClient.ConnectAsync(port, tls))
        {
            await c.SendAsync("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 101", await c.ReceiveAsync("\r\n\r\n", TimeSpan.FromSeconds(10)));
            await Task.Delay(300);
            c.Reset();
        }
        // A TLS handshake given up half way.
        if (tls) await RawClient.AbortTlsHandshakeAsync(port);

        // Still serving; then a real fault in the app.
        Assert.False(string.IsNullOrEmpty(await http.GetStringAsync("/pid")));
        using (var failed = await http.GetAsync("/raise"))
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        if (front)
        {
            // A worker that dies running a request: the front answers 502 and its own error line says so.
            using var lost = await http.GetAsync("/crash");
            Assert.Equal(HttpStatusCode.BadGateway, lost.StatusCode);
        }
        else if (processes > 1)
        {
            // --balance kernel: the worker held the connection; it ends unanswered, and the worker is replaced.
            // Raw, on a connection of its own: .NET's HttpClient sends a GET again when a reused connection
            // closes unanswered, and the poisonous request would go to the next worker.
            using (var c = await RawClient.ConnectAsync(port, tls))
            {
                await c.SendAsync("GET /crash HTTP/1.1\r\nHost: x\r\n\r\n");
                Assert.Equal(("", true), await c.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(60)));
            }
            await gateway.WaitForOutputMatchAsync(@"WRN\] RobynGateway.Workers.WorkerSupervisor: worker \d \(pid \d+\) exited with code", TimeSpan.FromSeconds(60));
            // Its replacement serves (until then the connections hashed to its socket wait for it).
            await gateway.WaitForOutputMatchAsync(@"worker \d \(pid \d+\) is ready and serving", TimeSpan.FromSeconds(120));
            Assert.False(string.IsNullOrEmpty(await http.GetStringAsync("/pid")));
        }
        await Task.Delay(1500); // the last lines

        var output = gateway.Output;
        var lines = output.Split('\n');
        Assert.DoesNotContain("   at ", output); // no .NET stack trace, for any of it
        Assert.DoesNotContain(lines, l => Regex.IsMatch(l, @"(WRN|ERR|FTL)\] (w\d )?(Microsoft\.AspNetCore|Yarp)")
            && !l.Contains("Yarp.ReverseProxy.Forwarder.HttpForwarder: Request: ")); // the dead worker, below
        Assert.Contains(lines, l => l.Contains("ERR] ") && l.Contains("GET /raise (GET /raise): failed in Python"));
        Assert.Contains("RuntimeError: a real server fault", output);
        Assert.Contains("Traceback (most recent call last)", output);
        if (front)
            Assert.Contains(lines, l => Regex.IsMatch(l, @"ERR\] RobynGateway.Workers.WorkerSupervisor: GET /crash: worker \d .* answered 502"));

        if (level == "DEBUG")
        {
            // Each one is there, at Debug, with its reason on the same line (under --balance kernel, a worker's: "w0 ").
            Assert.Contains(lines, l => Regex.IsMatch(l, @"DBG\] (w\d )?Microsoft\.AspNetCore\.Server\.Kestrel\.BadRequests: ")
                && l.Contains("Invalid request header") && l.Contains("(BadHttpRequestException: "));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"DBG\] (w\d )?Microsoft\.AspNetCore\.Server\.Kestrel\.Https\.Internal\.HttpsConnectionMiddleware: Failed to authenticate HTTPS connection\. \("));
            if (front)
                Assert.Contains(lines, l => Regex.IsMatch(l, @"DBG\] Yarp.ReverseProxy.Forwarder.HttpForwarder: Upgrade\w+: .* \(\w+: "));
        }
        else Assert.DoesNotContain("DBG]", output);
    }
}
