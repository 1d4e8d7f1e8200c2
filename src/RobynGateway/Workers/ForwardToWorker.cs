using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Workers;

/// <summary>
/// The front's last step: every request goes to one worker through YARP's forwarder alone (no
/// proxy routes, clusters, load-balancing middleware or transform pipeline: one destination kind,
/// one fixed transform), with the retry rules:
/// <list type="bullet">
/// <item>A request that never reached its worker (the connection was refused, or broke before any
///   byte of it got out: the worker had died, or was stopping) is sent again to another worker when
///   that is safe: an idempotent method, no request body, nothing sent to the client yet.</item>
/// <item>A request that did reach its worker and got no answer is never sent again: its worker may
///   have died running it (a segfault in a C extension, <c>os._exit</c>), and replaying it would
///   take down every worker in turn. It gets the forwarder's 502 and a log line naming it.</item>
/// <item>A request that finds no worker at all (every one restarting) waits for one, up to
///   <see cref="NoWorkerWait"/>, instead of a 503: a crash costs latency, not availability.</item>
/// </list>
/// Also counts each forwarded request against its worker, for <c>--max-requests</c>.
/// </summary>
internal sealed class ForwardToWorker(IHttpForwarder forwarder, HttpMessageInvoker client, FrontTransformer transformer,
    WorkerPool pool, WorkerSupervisor supervisor)
{
    const int MaxAttempts = 3;
    static readonly TimeSpan NoWorkerWait = TimeSpan.FromSeconds(15);

    // Cleartext over a Unix socket: HTTP/1.1 (websockets go through as upgrades). Robyn has no request
    // timeout; a handler may take minutes, and a websocket idles between pings: the workers enforce
    // --timeout, the front outwaits them (RequestTimeouts.ProxyActivityTimeout, set before this is built).
    readonly ForwarderRequestConfig _config = new()
    {
        ActivityTimeout = Routing.RequestTimeouts.ProxyActivityTimeout,
        Version = System.Net.HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public Task InvokeAsync(HttpContext context)
    {
        var worker = WorkerPool.Pick(pool.Ready);
        return worker is null ? WaitThenForwardAsync(context) : ForwardAsync(context, worker);
    }

    async Task WaitThenForwardAsync(HttpContext context)
    {
        if (await WaitForWorkerAsync(context, failed: null) is { } worker) await ForwardAsync(context, worker);
        else NoWorker(context);
    }

    async Task ForwardAsync(HttpContext context, WorkerProcess worker)
    {
        var sent = SentToWorker.Begin();
        for (var attempt = 1; ; attempt++)
        {
            ForwarderError error;
            worker.Enter();
            try
            {
                error = await forwarder.SendAsync(context, worker.Prefix, client, _config, transformer);
            }
            finally
            {
                worker.Leave();
            }
            supervisor.Forwarded(worker);
            if (error == ForwarderError.None) return;
            if (sent.Sent)
            {
                if (error == ForwarderError.Request) supervisor.LostWhileRunning(context, worker);
                return;
            }
            if (!Retryable(context, error) || attempt == MaxAttempts) return;

            var failed = worker;
            if ((WorkerPool.Pick(pool.Ready, except: failed) ?? await WaitForWorkerAsync(context, failed)) is not { } next)
                return; // the failed attempt's 502 stands
            worker = next;
            supervisor.Log.LogWarning("{Method} {Path} could not reach {Worker} ({Error}); sending it to another worker",
                context.Request.Method, context.Request.Path, failed.Name, error);
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
    }

    /// <summary>Waits until a worker (other than <paramref name="failed"/>) is ready; null if none came in time.</summary>
    async Task<WorkerProcess?> WaitForWorkerAsync(HttpContext context, WorkerProcess? failed)
    {
        var deadline = DateTime.UtcNow + NoWorkerWait;
        while (DateTime.UtcNow < deadline)
        {
            if (!await supervisor.WhenAnyReadyAsync(deadline - DateTime.UtcNow, context.RequestAborted)) break;
            if (WorkerPool.Pick(pool.Ready, except: failed) is { } worker) return worker;
            if (context.RequestAborted.IsCancellationRequested) break;
            await Task.Delay(20).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>As the proxy answered a request for a cluster without destinations.</summary>
    static void NoWorker(HttpContext context)
    {
        if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
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
