using RobynGateway.Python;

namespace RobynGateway.Routing;

/// <summary>
/// <c>--max-queue</c>: refuses a request with a fast 503 and <c>Retry-After</c> when the app already
/// has too many waiting for Python (sync requests queued for a worker, or calls running on the
/// loop), so that under overload the requests taken keep a bounded wait instead of every request
/// waiting longer and longer. Placed after routing (the route says sync or async) and before the
/// hooks and the body is read. The per-request cost is two reads of counters the pool and the
/// loop bridge keep with Interlocked; no lock, no allocation. Rejections are logged at most once a
/// second, with their count.
/// </summary>
internal sealed class QueueGuard : IDisposable
{
    static readonly byte[] Body = "Service unavailable: too many requests are waiting; retry in a second\n"u8.ToArray();

    readonly RequestDelegate _next;
    readonly PythonApp _app;
    readonly int _maxSync, _maxOnLoop;
    readonly ILogger _log;
    readonly Timer _report;
    int _rejected, _armed;

    public QueueGuard(RequestDelegate next, PythonApp app, int maxSync, int maxOnLoop, ILogger log)
    {
        _next = next;
        _app = app;
        _maxSync = maxSync;
        _maxOnLoop = maxOnLoop;
        _log = log;
        _report = new Timer(_ => Report());
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RouteEntry>() is { Const: null } route
            && (route.IsAsync ? _app.OnLoop >= _maxOnLoop : _app.SyncWaiting >= _maxSync))
            return RejectAsync(context);
        return _next(context);
    }

    Task RejectAsync(HttpContext context)
    {
        Interlocked.Increment(ref _rejected);
        Observability.GatewayMeters.Overloaded();
        // The first rejection of a quiet second arms a one-shot report a second later.
        if (Interlocked.Exchange(ref _armed, 1) == 0) _report.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = "1";
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = Body.Length;
        return response.Body.WriteAsync(Body).AsTask();
    }

    void Report()
    {
        Volatile.Write(ref _armed, 0);
        var count = Interlocked.Exchange(ref _rejected, 0);
        if (count > 0)
            _log.LogWarning("Overloaded: {Count} request(s) answered 503 in the last second ({Sync} already waiting for a sync " +
                "worker, or {Loop} running on the event loop: --max-queue)", count, _maxSync, _maxOnLoop);
    }

    public void Dispose() => _report.Dispose();
}
