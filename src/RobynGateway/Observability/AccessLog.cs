using RobynGateway.Python;
using Serilog;
using Serilog.Events;

namespace RobynGateway.Observability;

/// <summary>
/// One line per request at INFO (<c>--no-access-log</c> turns it off), written by Serilog's request
/// logging: its middleware times the request and writes one event when it ends, with the
/// properties the request collected on the way (<see cref="RequestTiming"/> adds Python's share).
/// Logger name <c>RobynGateway.AccessLog</c>, so <c>--log-level WARNING</c> or a Serilog override
/// hides it.
///
/// Under <c>--processes</c> each worker writes the line for the requests it ran (it knows the
/// route and Python's time; the front has forwarded the client's address and the request id); the
/// front's own line is at Debug, so a request is logged once by default.
/// </summary>
internal static class AccessLog
{
    public const string LoggerName = "RobynGateway.AccessLog";

    // :l renders the strings as they are: JSON's rendered message (@m) quoted each one otherwise.
    const string Template =
        "{ClientAddress:l} \"{RequestMethod:l} {RequestPath:l}\" {StatusCode} {ResponseBytes} B in {Elapsed:0.000} ms "
        + "(Python {PythonMs:0.000} ms, wait {WaitMs:0.000} ms) route {Route:l} id {RequestId:l}";

    /// <summary>
    /// Whether the line can show: on, and INFO passes the level (or a Serilog section in
    /// appsettings.json may lower it for this logger). Above INFO the middleware is not installed
    /// at all: it would collect every request's properties for a line nobody sees.
    /// </summary>
    public static bool Wanted(Hosting.GatewayOptions options, IConfiguration settings) =>
        options.AccessLog && (Hosting.LogLevels.ToSerilog(options.LogLevel) <= LogEventLevel.Information
            || settings.GetSection("Serilog").Exists());

    /// <summary>Goes first (after the request id), so the time covers the whole request.</summary>
    /// <paramref name="frontProbe"/>: on a worker, the path of its front's once-a-second health
    /// probe, logged at Debug (a line per second per worker that no client sent).
    public static IApplicationBuilder UseRobynAccessLog(this IApplicationBuilder app, bool front = false, string? frontProbe = null)
    {
        var worker = Environment.GetEnvironmentVariable("ROBYN_WORKER_SLOT") is { Length: > 0 } slot ? slot : null;
        RequestTiming.AccessLog = app.ApplicationServices.GetRequiredService<IDiagnosticContext>();
        RequestTiming.On = true;
        return app.UseSerilogRequestLogging(o =>
        {
            o.MessageTemplate = Template;
            var probe = new PathString(frontProbe);
            o.GetLevel = front ? static (_, _, _) => LogEventLevel.Debug
                : frontProbe is null ? static (_, _, _) => LogEventLevel.Information
                : (context, _, _) => context.Request.Path.Equals(probe, StringComparison.OrdinalIgnoreCase)
                    ? LogEventLevel.Debug : LogEventLevel.Information;
            o.EnrichDiagnosticContext = (line, context) =>
            {
                line.Set(Serilog.Core.Constants.SourceContextPropertyName, LoggerName);
                line.Set("ClientAddress", context.Connection.RemoteIpAddress?.ToString() ?? "-");
                line.Set("RequestId", RequestIds.Of(context));
                // The Robyn pattern (/users/:id), never the raw path: bounded, and what the code says.
                line.Set("Route", context.GetEndpoint()?.Metadata.GetMetadata<RouteEntry>()?.Pattern ?? "-");
                line.Set("ResponseBytes", context.Response.ContentLength ?? -1);
                line.Set("Worker", worker ?? (front ? "front" : "-"));
            };
        }).Use(static (context, next) =>
        {
            // Requests that never reach Python still fill the line's Python fields.
            if (RequestTiming.AccessLog is { } line)
            {
                line.Set("PythonMs", 0.0);
                line.Set("WaitMs", 0.0);
            }
            return next(context);
        });
    }
}
