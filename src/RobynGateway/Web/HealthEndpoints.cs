using RobynGateway.Hosting;
using RobynGateway.Routing;
using RobynGateway.Python;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace RobynGateway.Web;

/// <summary>
/// Health checks answered in C#, right after the forwarded headers and before anything else, so
/// they never reach the app's routes, hooks or CORS. Everything under <c>--health-path</c>
/// belongs to the gateway:
/// <list type="bullet">
/// <item><c>PATH/live</c>: 200 <c>live</c> while the process serves at all, until the watchdog has seen
/// no progress in Python for twice <c>--hang-timeout</c>: then 503 <c>hung: ...</c>, so that a
/// supervisor restarts the process.</item>
/// <item><c>PATH/ready</c> and <c>PATH</c>: 200 <c>ready</c> once the host has started (the startup
/// handler finished before the port opened), 503 <c>starting</c> before that and 503
/// <c>stopping</c> from the moment SIGTERM starts the drain (or the --shutdown-delay before it), 503 <c>hung: ...</c> (what was running) while
/// the watchdog sees no progress in Python (<see cref="Python.InterpreterWatch"/>). The front of <c>--processes N</c>
/// answers these itself, and is ready only while at least one worker is (503 <c>no worker ready</c>).
/// The app's own <c>@app.health_check</c> functions are checks of readiness too (one line each after
/// the first; 503 <c>unhealthy</c> when one fails); a front asks its workers for theirs.</item>
/// <item>On a worker only (reachable from its front alone): <c>PATH/ready/gateway</c> (the gateway's
/// part, which the front's supervisor probes every second and which never waits for the app's checks)
/// and <c>PATH/ready/app</c> (the app's checks, which the front's readiness asks for).</item>
/// </list>
/// These are ASP.NET Core HealthChecks (<see cref="HealthChecksSetup"/>): each answer runs the checks
/// tagged for its path through <see cref="HealthCheckMiddleware"/>, with <see cref="HealthResponse"/>
/// writing the text. The gateway's own checks read the host's lifetime tokens and the watchdog, never
/// Python, so they answer while Python is frozen.
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

    /// <param name="worker">Also answers the two paths only a front asks a worker for.</param>
    public static IApplicationBuilder UseRobynHealth(this IApplicationBuilder app, string path, bool worker = false)
    {
        var services = app.ApplicationServices.GetRequiredService<HealthCheckService>();
        HealthCheckMiddleware Answer(params string[] tags) => new(_ => Task.CompletedTask, Options.Create(new HealthCheckOptions
        {
            Predicate = r => r.Tags.Overlaps(tags),
            ResponseWriter = HealthResponse.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }), services);
        var ready = Answer(HealthChecksSetup.GatewayTag, HealthChecksSetup.AppTag);
        var live = Answer(HealthChecksSetup.LiveTag);
        var gatewayOnly = worker ? Answer(HealthChecksSetup.GatewayTag) : null;
        var appOnly = worker ? Answer(HealthChecksSetup.AppTag) : null;
        var root = new PathString(path);
        var served = app.ApplicationServices.GetService<ServedCount>();
        return app.Use((context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(root, StringComparison.OrdinalIgnoreCase, out var rest)) return next(context);
            var answer = rest.Value?.ToLowerInvariant() switch
            {
                null or "" or "/" or "/ready" => ready,
                "/live" => live,
                "/ready/gateway" => gatewayOnly,
                "/ready/app" => appOnly,
                _ => null,
            };
            if (answer is null) return Refuse(context, 404, "Not found");
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.Headers.Allow = "GET, HEAD";
                return Refuse(context, 405, "Method not allowed");
            }
            // For the front's probe, which comes over the worker's Unix socket (no IP): not for the public.
            if (served is not null && context.Connection.RemoteIpAddress is null)
                context.Response.Headers[ServedCount.Header] = served.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return answer.InvokeAsync(context);
        });
    }

    static Task Refuse(HttpContext context, int status, string text)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
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
