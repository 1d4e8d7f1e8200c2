using RobynGateway.Hosting;
using RobynGateway.Routing;
using RobynGateway.Python;

namespace RobynGateway.Web;

/// <summary>
/// Health checks answered in C#, right after the forwarded headers and before anything else, so
/// they never reach Python, hooks, CORS or the app's routes. Everything under <c>--health-path</c>
/// belongs to the gateway:
/// <list type="bullet">
/// <item><c>PATH/live</c>: 200 <c>live</c> while the process serves at all, until the watchdog has seen
/// no progress in Python for twice <c>--hang-timeout</c>: then 503 <c>hung: ...</c>, so that a
/// supervisor restarts the process.</item>
/// <item><c>PATH/ready</c> and <c>PATH</c>: 200 <c>ready</c> once the host has started (the startup
/// handler finished before the port opened), 503 <c>starting</c> before that and 503
/// <c>stopping</c> from the moment SIGTERM starts the drain (or the --shutdown-delay before it), 503 <c>hung: ...</c> (what was running) while
/// the watchdog sees no progress in Python (<see cref="Python.InterpreterWatch"/>). The front of <c>--processes N</c>
/// answers these itself, and is ready only while at least one worker is (503 <c>no worker ready</c>).</item>
/// </list>
/// Readiness is read from the host's lifetime tokens and the watchdog: no state of its own, nothing
/// to update, and never a trip into Python (these must answer while Python is frozen).
/// (ASP.NET Core's HealthChecks would build a report per probe to say the same: not worth it here.)
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>Nobody names a route like this by accident.</summary>
    public const string DefaultPath = "/__robyn/health";

    /// <summary>The path as given, without a trailing slash; a usage error if it cannot be a path prefix.</summary>
    public static string Normalise(string path, string source)
    {
        var trimmed = path.Trim().TrimEnd('/');
        if (!path.StartsWith('/') || trimmed.Length == 0 || trimmed.IndexOfAny(['?', '#', ' ', ':', '*']) >= 0)
            throw new UsageException($"{source} {path}: give a path such as /healthz (not /, and without :param, * or a query).");
        return trimmed;
    }

    /// <param name="detail">A line added to a ready answer without making it unready (the --broadcast link's state).</param>
    public static IApplicationBuilder UseRobynHealth(this IApplicationBuilder app, string path, Func<bool>? workersReady = null,
        Func<string?>? detail = null)
    {
        var python = app.ApplicationServices.GetService<Python.PythonApp>();
        detail ??= python is null ? null : () => python.Sockets.Bus?.Detail;
        var readiness = new Readiness(app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>(), workersReady,
            python, app.ApplicationServices.GetService<ShutdownDrain>(), detail);
        var root = new PathString(path);
        var served = app.ApplicationServices.GetService<ServedCount>();
        return app.Use((context, next) =>
            context.Request.Path.StartsWithSegments(root, StringComparison.OrdinalIgnoreCase, out var rest)
                ? AnswerAsync(context, rest.Value, readiness, served)
                : next(context));
    }

    static Task AnswerAsync(HttpContext context, string? rest, Readiness readiness, ServedCount? served)
    {
        var state = readiness.State;
        var (status, text) = rest?.ToLowerInvariant() switch
        {
            null or "" or "/" or "/ready" => (state == Readiness.Ready ? 200 : 503,
                state == Readiness.Ready && readiness.Detail?.Invoke() is { } more ? $"{state}\n{more}" : state),
            "/live" => readiness.Live is { } dead ? (503, dead) : (200, "live"),
            _ => (404, "Not found"),
        };
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        // For the front's probe, which comes over the worker's Unix socket (no IP): not for the public.
        if (served is not null && context.Connection.RemoteIpAddress is null) response.Headers[ServedCount.Header] = served.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            (status, text) = (405, "Method not allowed");
        }
        response.StatusCode = status;
        response.ContentType = "text/plain";
        response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(text);
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.WriteAsync(text);
    }

    /// <summary>Logs each app route that the health path hides (the gateway answers there, not the app).</summary>
    public static void WarnShadowed(IEnumerable<RouteEntry> routes, string path, Serilog.ILogger log)
    {
        var root = new PathString(path);
        foreach (var route in routes.Where(r => new PathString(r.Pattern).StartsWithSegments(root, StringComparison.OrdinalIgnoreCase)))
            log.Warning("Route {Route} is under the health path {Path}: the gateway answers there, not the app (change --health-path)",
                route.ToString(), path);
    }
}

/// <summary>
/// Ready between the host's start and the start of its stop while Python makes progress (and, for a
/// front, while a worker is).
/// </summary>
internal sealed class Readiness(IHostApplicationLifetime lifetime, Func<bool>? workersReady = null, Python.PythonApp? python = null,
    ShutdownDrain? drain = null, Func<string?>? detail = null)
{
    /// <summary>Said after "ready" on its own line; never changes the status.</summary>
    public Func<string?>? Detail => detail;

    public const string Ready = "ready";

    /// <summary>What a hung answer starts with; the front looks for it in its workers' answers.</summary>
    public const string HungPrefix = "hung: ";

    public string State =>
        lifetime.ApplicationStopping.IsCancellationRequested || drain is { Draining: true } ? "stopping"
        : !lifetime.ApplicationStarted.IsCancellationRequested ? "starting"
        : python?.Watch?.Current is { } hang ? HungPrefix + hang
        : workersReady is not null && !workersReady() ? "no worker ready"
        : Ready;

    /// <summary>Null while live; else why not (a hang that has lasted twice the timeout).</summary>
    public string? Live => python?.Watch is { LiveFails: true, Current: { } hang } ? HungPrefix + hang : null;
}
