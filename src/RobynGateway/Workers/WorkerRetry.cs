using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace RobynGateway.Workers;

/// <summary>
/// The first step of the proxy pipeline.
/// <list type="bullet">
/// <item>A request that never reached its worker (the connection was refused, or broke before any
///   byte of it got out: the worker had died, or was stopping) is sent again to another worker when
///   that is safe: an idempotent method, no request body, nothing sent to the client yet.</item>
/// <item>A request that did reach its worker and got no answer is never sent again: its worker may
///   have died running it (a segfault in a C extension, <c>os._exit</c>), and replaying it would
///   take down every worker in turn. It gets YARP's 502 and a log line naming it.</item>
/// <item>A request that finds no worker at all (every one restarting) waits for one, up to
///   <see cref="NoWorkerWait"/>, instead of a 503: a crash costs latency, not availability.</item>
/// </list>
/// Also counts each forwarded request against its worker, for <c>--max-requests</c>.
/// </summary>
internal static class WorkerRetry
{
    const int MaxAttempts = 3;
    static readonly TimeSpan NoWorkerWait = TimeSpan.FromSeconds(15);

    public static async Task InvokeAsync(HttpContext context, Func<Task> next, WorkerSupervisor supervisor)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        if (candidates.Count == 0)
        {
            candidates = await WaitForWorkerAsync(context, supervisor, failed: null);
            proxy.AvailableDestinations = candidates;
        }
        var sent = SentToWorker.Begin();
        for (var attempt = 1; ; attempt++)
        {
            await next();
            var destination = proxy.ProxiedDestination;
            if (destination is not null) supervisor.Forwarded(destination.DestinationId);
            var error = context.GetForwarderErrorFeature();
            if (error is null || destination is null) return;
            if (sent.Sent)
            {
                if (error.Error == ForwarderError.Request) supervisor.LostWhileRunning(context, destination.DestinationId);
                return;
            }
            if (!Retryable(context, error.Error) || attempt == MaxAttempts) return;

            candidates = candidates.Where(d => d != destination).ToList();
            if (candidates.Count == 0) candidates = await WaitForWorkerAsync(context, supervisor, failed: destination.DestinationId);
            if (candidates.Count == 0) return;
            supervisor.Log.LogWarning("{Method} {Path} could not reach {Worker} ({Error}); sending it to another worker",
                context.Request.Method, context.Request.Path, destination.DestinationId, error.Error);
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            proxy.AvailableDestinations = candidates;
        }
    }

    /// <summary>
    /// Waits until a worker is ready, then reads YARP's current destinations (the new list is
    /// applied shortly after the supervisor publishes it). Empty if none came in time: then YARP
    /// answers 503 (or the failed attempt's 502).
    /// </summary>
    static async Task<IReadOnlyList<DestinationState>> WaitForWorkerAsync(HttpContext context, WorkerSupervisor supervisor, string? failed)
    {
        var deadline = DateTime.UtcNow + NoWorkerWait;
        var lookup = context.RequestServices.GetRequiredService<IProxyStateLookup>();
        while (DateTime.UtcNow < deadline)
        {
            if (!await supervisor.WhenAnyReadyAsync(deadline - DateTime.UtcNow, context.RequestAborted)) break;
            if (lookup.TryGetCluster(WorkerDestinations.ClusterId, out var cluster))
            {
                var available = cluster.DestinationsState.AvailableDestinations;
                if (failed is not null) available = available.Where(d => d.DestinationId != failed).ToList();
                if (available.Count > 0) return available;
            }
            if (context.RequestAborted.IsCancellationRequested) break;
            await Task.Delay(20).ConfigureAwait(false);
        }
        return [];
    }

    static bool Retryable(HttpContext context, ForwarderError error) =>
        error == ForwarderError.Request
        && !context.Response.HasStarted
        && IsIdempotent(context.Request.Method)
        && context.Request.ContentLength is null or 0
        && context.Request.Headers.TransferEncoding.Count == 0;

    static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsDelete(method) || HttpMethods.IsPut(method);
}
