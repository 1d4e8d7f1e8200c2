using System.Diagnostics;
using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Workers;

/// <summary>
/// ROBYN_MAX_PAYLOAD_SIZE under <c>--processes</c>: the front answers 413 itself, at once for a declared
/// length, as soon as a chunked body grows past the limit, with one process's text and no log noise.
/// (On main: a declared 300 MB upload that paused got 408 after about 5 s and a 90-line trace; a
/// chunked one got no answer at all.)
/// </summary>
public sealed class FrontPayloadLimitTests
{
    const int Limit = 100_000;
    const string TooLarge = "Payload too large: the limit is 100000 bytes (ROBYN_MAX_PAYLOAD_SIZE)";

    [Fact]
    public async Task Uploads_over_the_limit_get_413_at_once_and_uploads_within_it_reach_the_worker()
    {
        var env = new Dictionary<string, string> { ["ROBYN_MAX_PAYLOAD_SIZE"] = Limit.ToString() };
        await using var single = GatewayProcess.Start("client_faults_app.py", env: env);
        await using var front = GatewayProcess.Start("client_faults_app.py", ["--processes", "2"], env: env);
        await single.WaitReadyAsync(TimeSpan.FromSeconds(120));
        await front.WaitReadyAsync(TimeSpan.FromSeconds(120));

        foreach (var gateway in new[] { single, front })
        {
            // 300 MB declared, 10 bytes sent, then nothing: answered before the body is read.
            using (var client = await RawClient.ConnectAsync(gateway.Port))
            {
                var clock = Stopwatch.StartNew();
                await client.SendAsync("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n0123456789");
                var answer = await client.ReceiveAsync(TooLarge, TimeSpan.FromSeconds(15));
                Assert.True(answer.StartsWith("HTTP/1.1 413 Payload Too Large\r\n") && answer.Contains(TooLarge),
                    $"after {clock.Elapsed}: {answer}\n{gateway.Output}");
                Assert.Contains("Connection: close", answer);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"413 took {clock.Elapsed}");
            }

            // Chunked, growing past the limit 16 KiB at a time: cut with the same 413.
            using (var client = await RawClient.ConnectAsync(gateway.Port))
            {
                await client.SendAsync("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
                var chunk = System.Text.Encoding.ASCII.GetBytes($"4000\r\n{new string('a', 0x4000)}\r\n");
                var sent = 0;
                try
                {
                    for (; sent < 4 * Limit; sent += 0x4000) await client.SendAsync(chunk);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // the server closed after its 413: expected once past the limit
                }
                var answer = await client.ReceiveAsync(TooLarge, TimeSpan.FromSeconds(15));
                Assert.True(answer.StartsWith("HTTP/1.1 413 Payload Too Large\r\n") && answer.Contains(TooLarge),
                    $"after {sent} bytes: {answer}\n{gateway.Output}");
            }

            // Within the limit, with a length and chunked: the app gets every byte.
            using var exact = await gateway.Client.PostAsync("/echo", new ByteArrayContent(new byte[Limit]));
            Assert.Equal($"{Limit} bytes", await exact.Content.ReadAsStringAsync());
            using var streamed = new StreamContent(new MemoryStream(new byte[Limit - 1]));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = streamed };
            request.Headers.TransferEncodingChunked = true;
            using var chunked = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, chunked.StatusCode);
            Assert.Equal($"{Limit - 1} bytes", await chunked.Content.ReadAsStringAsync());
            Assert.Equal("finished slowly", await gateway.Client.GetStringAsync("/slow"));
        }

        var output = front.Output;
        Assert.DoesNotContain("   at ", output); // no stack trace
        Assert.DoesNotContain("WRN] Yarp", output);
        Assert.DoesNotContain("ERR]", output);
    }
}
