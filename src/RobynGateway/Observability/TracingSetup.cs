using System.Diagnostics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RobynGateway.Hosting;

namespace RobynGateway.Observability;

/// <summary>
/// Traces through OpenTelemetry's OTLP exporter, on when <c>--otlp-endpoint</c> or the standard
/// <c>OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT</c> is set (and <c>OTEL_SDK_DISABLED</c> is not true).
/// ASP.NET Core's instrumentation makes each request's server span and continues a client's W3C
/// <c>traceparent</c>; YARP passes the front's span on to the worker, so <c>--processes</c> gives one
/// trace. Our spans (<see cref="Source"/>) cover each trip into Python: the before hooks, the
/// handler, the after hooks. Python sees the server span as <c>traceparent</c> in its headers
/// (<c>request.traceparent</c>, <c>request.trace_id</c>, <c>request.span_id</c>), the parent an app
/// passes on to what it calls. Off, nothing listens: no span is made and nothing is rewritten.
/// </summary>
internal static class TracingSetup
{
    public const string SourceName = "RobynGateway";
    public static readonly ActivitySource Source = new(SourceName);

    public static bool IsOn(GatewayOptions options, Func<string, string?> env) =>
        env("OTEL_SDK_DISABLED")?.Trim().ToLowerInvariant() != "true"
        && (options.OtlpEndpoint is not null || !string.IsNullOrWhiteSpace(env("OTEL_EXPORTER_OTLP_ENDPOINT"))
            || !string.IsNullOrWhiteSpace(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")));

    public static void AddRobynTracing(this WebApplicationBuilder builder, GatewayOptions options)
    {
        if (!IsOn(options, Environment.GetEnvironmentVariable)) return;
        AddSdk(builder, options);
    }

    // A method of its own: with tracing off OpenTelemetry's assemblies are never loaded (the JIT
    // loads the assemblies of the types a method names when it compiles it).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void AddSdk(WebApplicationBuilder builder, GatewayOptions options)
    {
        var health = options.HealthPath;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r =>
            {
                // OTEL_SERVICE_NAME wins (the SDK reads it); else the app file's name.
                if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
                    r.AddService(Path.GetFileNameWithoutExtension(options.AppPath) is "app" or "main"
                        ? Path.GetFileName(Path.GetDirectoryName(options.AppPath)) ?? "robyn-app"
                        : Path.GetFileNameWithoutExtension(options.AppPath));
            })
            .WithTracing(t =>
            {
                // Probes and scrapes are not requests anyone wants traced.
                t.AddAspNetCoreInstrumentation(o => o.Filter = c => !c.Request.Path.StartsWithSegments(health))
                    .AddSource(SourceName);
                // The front's hop to a worker is a client span (YARP's HttpClient), the worker's server span its child.
                if (options.Processes > 1 && !options.IsWorker)
                    t.AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage =
                        r => r.RequestUri?.AbsolutePath.StartsWith(health, StringComparison.Ordinal) != true);
                t
                .AddOtlpExporter(o =>
                {
                    if (options.OtlpEndpoint is not { } endpoint) return;
                    // As OTEL_EXPORTER_OTLP_ENDPOINT: a base address; OTLP/HTTP unless the protocol says gRPC.
                    if (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL")?.Trim() == "grpc")
                    {
                        o.Protocol = OtlpExportProtocol.Grpc;
                        o.Endpoint = new Uri(endpoint);
                    }
                    else
                    {
                        o.Protocol = OtlpExportProtocol.HttpProtobuf;
                        o.Endpoint = new Uri(endpoint.TrimEnd('/') + "/v1/traces");
                    }
                });
            });
        Enabled = true;
    }

    /// <summary>Set at start-up when traces are exported.</summary>
    public static bool Enabled { get; private set; }

    /// <summary>
    /// After the request id: the request's headers carry this process's server span as
    /// <c>traceparent</c>, so Python (and a worker's Python, through YARP) reads its own parent.
    /// </summary>
    public static IApplicationBuilder UseRobynTraceContext(this IApplicationBuilder app) =>
        !Enabled ? app : app.Use(static (context, next) =>
        {
            if (Activity.Current is { } span)
            {
                if (span.IdFormat == ActivityIdFormat.W3C) context.Request.Headers["traceparent"] = span.Id;
                span.SetTag("robyn.request_id", RequestIds.Of(context));
            }
            return next(context);
        });

    /// <summary>A span around one trip into Python (null when nobody listens): "python handler GET /users/:id".</summary>
    public static Activity? StartStage(Python.PythonCall call, string stage)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity(call.Route is { } route ? $"python {stage} {route}" : $"python {stage}");
        span?.SetTag("robyn.stage", stage);
        call.Span = span;
        return span;
    }

    /// <summary>Ends a stage's span with how long the trip waited for a Python thread.</summary>
    public static void EndStage(Activity? span, Python.PythonCall call, long waitBefore)
    {
        if (span is null) return;
        if (RequestTiming.On) span.SetTag("robyn.python.wait_ms", Math.Round(RequestTiming.Milliseconds(call.WaitTicks - waitBefore), 3));
        if (call.Kind == Python.ResultKind.Error) span.SetStatus(ActivityStatusCode.Error);
        span.Dispose();
    }
}
