using Microsoft.AspNetCore.Http.Timeouts;
using RobynGateway.Python;

namespace RobynGateway.Routing;

/// <summary>
/// <c>--timeout</c> and a route's <c>timeout=</c>, on ASP.NET Core's request timeouts middleware:
/// each route's endpoint carries a <see cref="RequestTimeoutPolicy"/> (the route's own, or the
/// server's), the middleware arms the timer and, when the request fails with the timeout's
/// cancellation, answers 504 with <see cref="WriteAsync"/>. Our side (PythonCall.WatchTimeout)
/// fails the request's wait for Python when the timer fires: a sync handler cannot be stopped and
/// keeps its worker until it returns, an async one has its task cancelled. A streaming answer
/// disarms the timer when it starts (<see cref="ResponseStarts"/>): the timeout covers only the
/// time to the first byte; websockets never pass through here.
/// </summary>
internal static class RequestTimeouts
{
    /// <summary>
    /// YARP's idle timeout in the front of <c>--processes</c>: above every timeout a worker
    /// enforces, so the worker's 504 reaches the client rather than the front's own 504; never
    /// below the 10 minutes a websocket or a slow stream may idle.
    /// </summary>
    public static TimeSpan ProxyActivityTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>In the front, before it builds its proxy.</summary>
    public static void SetProxyActivityTimeout(TimeSpan global, IEnumerable<RouteEntry> routes)
    {
        var longest = routes.Select(r => r.Timeout is { } t ? TimeSpan.FromSeconds(t) : global).Append(global).Max();
        ProxyActivityTimeout = longest + TimeSpan.FromSeconds(5) > TimeSpan.FromMinutes(10)
            ? longest + TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(10);
    }

    /// <summary>One policy per distinct timeout, made at start; null when the route has none.</summary>
    public sealed class Policies(TimeSpan global, ILogger<RouteHandler> log)
    {
        readonly Dictionary<double, RequestTimeoutPolicy> _made = [];

        public bool Any { get; private set; }

        public RequestTimeoutPolicy? For(RouteEntry route)
        {
            var seconds = route.Timeout ?? global.TotalSeconds;
            if (seconds <= 0) return null;
            if (!_made.TryGetValue(seconds, out var policy))
            {
                policy = new RequestTimeoutPolicy
                {
                    Timeout = TimeSpan.FromSeconds(seconds),
                    TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                    WriteTimeoutResponse = context => WriteAsync(context, seconds, log),
                };
                _made.Add(seconds, policy);
            }
            Any = true;
            return policy;
        }
    }

    static Task WriteAsync(HttpContext context, double seconds, ILogger log)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<RouteEntry>();
        var what = route?.ToString() ?? $"{context.Request.Method} {context.Request.Path}";
        var s = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Observability.GatewayMeters.RequestTimedOut(route?.Pattern ?? "(none)");
        if (route?.IsAsync == true)
            log.LogWarning("{Route} timed out after {Seconds} s: answered 504, its task is cancelled", what, s);
        else
            log.LogWarning("{Route} timed out after {Seconds} s: answered 504; a sync handler cannot be stopped, " +
                "its worker stays busy until it returns", what, s);
        context.Response.ContentType = "text/plain; charset=utf-8";
        // With its length, as every other answer: the access log reports its bytes, no chunking.
        var body = System.Text.Encoding.UTF8.GetBytes($"Gateway timeout: {what} did not answer within {s} s (the server's request timeout)");
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>A streaming answer is about to start: from here on it runs as long as it streams.</summary>
    public static void ResponseStarts(HttpContext context) =>
        context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
}
