// WebSocket echo load: CONNECTIONS clients each send a text message, wait for its echo, and repeat,
// for a warm-up and then REPS measured runs of DURATION seconds. One line per measured run:
//   rep <n> <messages/s> <p50 ms> <p99 ms> <errors>
// usage: dotnet WsLoad.dll --url ws://127.0.0.1:PORT/path [--connections 64] [--warmup 5]
//        [--duration 10] [--reps 3] [--size 32]
// Every wait is bounded: a server that stops answering ends the run with an error count, not a hang.
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;

string? url = null;
int connections = 64, warmup = 5, duration = 10, reps = 3, size = 32;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var v = args[i + 1];
    switch (args[i])
    {
        case "--url": url = v; break;
        case "--connections": connections = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--duration": duration = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--reps": reps = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--size": size = int.Parse(v, CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
if (url is null) { Console.Error.WriteLine("--url is required"); return 2; }

var sockets = new ClientWebSocket[connections];
for (var i = 0; i < connections; i++)
{
    sockets[i] = new ClientWebSocket();
    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
    await sockets[i].ConnectAsync(new Uri(url), cts.Token);
}
var payload = new byte[size];
Array.Fill(payload, (byte)'x');

if (warmup > 0) await Run(TimeSpan.FromSeconds(warmup));
for (var rep = 1; rep <= reps; rep++)
{
    var (count, latencies, errors, elapsed) = await Run(TimeSpan.FromSeconds(duration));
    latencies.Sort();
    double Pct(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))] * 1000.0 / Stopwatch.Frequency;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rep {rep} {count / elapsed.TotalSeconds:F0} {Pct(0.50):F3} {Pct(0.99):F3} {errors}"));
}
foreach (var s in sockets)
{
    try
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await s.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
    }
    catch (Exception) { /* the server may have gone; nothing to do */ }
    s.Dispose();
}
return 0;

async Task<(long Count, List<long> Latencies, int Errors, TimeSpan Elapsed)> Run(TimeSpan length)
{
    var until = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
    var started = Stopwatch.StartNew();
    var results = await Task.WhenAll(sockets.Select(s => Task.Run(() => Loop(s, until))));
    return (results.Sum(r => (long)r.Latencies.Count), results.SelectMany(r => r.Latencies).ToList(), results.Sum(r => r.Errors), started.Elapsed);
}

async Task<(List<long> Latencies, int Errors)> Loop(ClientWebSocket socket, long until)
{
    var latencies = new List<long>(16384);
    var buffer = new byte[64 * 1024];
    var errors = 0;
    while (Stopwatch.GetTimestamp() < until && socket.State == WebSocketState.Open)
    {
        var t0 = Stopwatch.GetTimestamp();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.SendAsync(payload, WebSocketMessageType.Text, true, cts.Token);
            ValueWebSocketReceiveResult r;
            var got = 0;
            do
            {
                r = await socket.ReceiveAsync(buffer.AsMemory(got), cts.Token);
                got += r.Count;
            } while (!r.EndOfMessage);
            if (r.MessageType != WebSocketMessageType.Text || got != payload.Length) errors++;
            else latencies.Add(Stopwatch.GetTimestamp() - t0);
        }
        catch (Exception)
        {
            errors++;
            break;
        }
    }
    return (latencies, errors);
}
