using System.Net;
using RobynGateway.Web;

namespace RobynGateway.Workers;

/// <summary>What a worker's readiness endpoint said, as the front's probe saw it.</summary>
internal enum WorkerHealth
{
    Ready,
    /// <summary>503 <c>hung: ...</c>: its watchdog saw no progress in Python for <c>--hang-timeout</c>.</summary>
    Hung,
    /// <summary>Starting or stopping: the supervisor knows, nothing to do.</summary>
    NotReady,
    /// <summary>No answer in time: the process does not run (SIGSTOP) or cannot answer at all.</summary>
    NoAnswer,
    /// <summary>The connection failed: the worker is exiting (the supervisor sees the exit).</summary>
    Gone,
}

/// <summary>
/// The front's health probe of its workers: <c>GET PATH/ready/gateway</c> over a worker's Unix socket, with
/// a short timeout. A worker answers it in C#, never in Python, so it answers while its interpreter
/// is frozen, and says so. A worker that does not answer at all has stopped running (SIGSTOP, a
/// frozen process) although its socket still accepts connections: the kernel queues them.
/// YARP's active health checks probe the same way, but report only healthy or not; the supervisor
/// also needs the worker's own words (what it was running) and decides the replacement itself.
/// </summary>
internal sealed class WorkerHealthProbe : IDisposable
{
    readonly HttpClient _client;
    readonly string _readyPath;

    /// <summary>What the probe asks a worker for (the worker's access log keeps it below INFO).</summary>
    public static string ReadyPath(string healthPath) => healthPath + "/ready/gateway";

    public WorkerHealthProbe(string socketDirectory, string healthPath)
    {
        // The gateway's part alone: the app's checks may take seconds, and the front asks for them itself.
        _readyPath = ReadyPath(healthPath);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (context, cancel) =>
                await WorkerSocketConnect.ConnectAsync(socketDirectory, context.DnsEndPoint.Host, cancel).ConfigureAwait(false),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>What it said, and (--balance kernel with --max-requests) how many requests it has served.</summary>
    public async Task<(WorkerHealth Health, string Text, long? Served)> AskAsync(WorkerProcess worker, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _client.GetAsync($"http://{worker.Name}{_readyPath}", deadline.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            var served = response.Headers.TryGetValues(ServedCount.Header, out var values)
                && long.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (long?)null;
            return response.StatusCode == HttpStatusCode.OK ? (WorkerHealth.Ready, text, served)
                : text.StartsWith(Readiness.HungPrefix, StringComparison.Ordinal) ? (WorkerHealth.Hung, text, served)
                : (WorkerHealth.NotReady, text, served);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return (WorkerHealth.NoAnswer, $"no answer within {timeout.TotalSeconds:F0} s", null);
        }
        catch (HttpRequestException ex)
        {
            return (WorkerHealth.Gone, ex.Message, null);
        }
    }

    public void Dispose() => _client.Dispose();
}
