using OpenTelemetry.Metrics;
using RobynGateway.Hosting;

namespace RobynGateway.Observability;

/// <summary>
/// <c>--metrics-port P</c>: OpenTelemetry's metrics SDK collects ASP.NET Core's and Kestrel's meters
/// (request duration by <c>http.route</c>, which is the Robyn pattern: RouteDiagnostics) and ours
/// (<see cref="GatewayMeters"/>); its Prometheus exporter serves them at <c>/metrics</c> on a
/// listener of its own, on the same host as the app, never on the app's port. Under
/// <c>--processes</c> a worker serves its own at <c>{health path}/metrics</c> on its Unix socket,
/// and the front's <c>/metrics</c> asks every ready worker and joins their series, labelled by
/// worker, to its own (<see cref="PrometheusMerge"/>). Without the flag nothing is registered.
/// </summary>
internal static class MetricsSetup
{
    const string PrometheusText = "text/plain; version=0.0.4; charset=utf-8";

    public static void AddRobynMetrics(this WebApplicationBuilder builder, GatewayOptions options)
    {
        if (options.MetricsPort is null) return;
        AddSdk(builder);
    }

    // Methods of their own: without --metrics-port OpenTelemetry's assemblies are never loaded (the
    // JIT loads the assemblies of the types a method names when it compiles it).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void AddSdk(WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
                "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting", "System.Runtime", GatewayMeters.Name)
            .AddPrometheusExporter());
        RequestTiming.On = true;
    }

    /// <summary>The public URL, and the metrics listener's unless this is a worker (its front listens).</summary>
    public static string[] Urls(GatewayOptions options, string publicUrl) =>
        options.MetricsPort is { } port && !options.IsWorker
            ? [publicUrl, $"http://{GatewayHost.FormatHost(options.Host)}:{port}"]
            : [publicUrl];

    /// <summary>
    /// Where the public listener is set in code (a Unix socket, systemd's sockets) URLs are ignored:
    /// the metrics listener is added the same way, on --host (loopback for "localhost").
    /// </summary>
    public static void ListenForScrapes(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, GatewayOptions options)
    {
        if (options.MetricsPort is not { } port || options.IsWorker) return;
        if (System.Net.IPAddress.TryParse(options.Host, out var address)) kestrel.Listen(address, port);
        else if (options.Host is "localhost") kestrel.ListenLocalhost(port);
        else kestrel.ListenAnyIP(port);
    }

    /// <summary>The connection item that marks a worker's connections from its front (its own Unix socket).</summary>
    public static readonly object FromFront = new();

    /// <summary>One process, or a worker: serves its own scrape. Goes first in the pipeline.</summary>
    public static void UseRobynMetrics(this WebApplication web, GatewayOptions options, Python.PythonApp app)
    {
        if (options.MetricsPort is not { } port) return;
        GatewayMeters.Observe(app, app.Sockets.IsEmpty ? null : app.Sockets);
        app.WatchLoopLag();
        if (options.IsWorker)
        {
            var path = options.HealthPath + "/metrics";
            // Only over the worker's own socket (its front scrapes there): under --balance kernel the
            // public reaches this worker too, and must get the app's answer for that path, not the series.
            web.MapWhen(c => c.Request.Path.Value == path
                    && c.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items.ContainsKey(FromFront) == true,
                b => b.UseOpenTelemetryPrometheusScrapingEndpoint(_ => true));
            return;
        }
        web.MapWhen(c => c.Connection.LocalPort == port, b =>
        {
            b.UseOpenTelemetryPrometheusScrapingEndpoint(c => c.Request.Path.Value == "/metrics");
            b.Run(NotFound);
        });
    }

    /// <summary>The front of <c>--processes</c>: its own series and every ready worker's, in one scrape.</summary>
    public static void UseRobynFrontMetrics(this WebApplication web, GatewayOptions options, Workers.WorkerSupervisor supervisor)
    {
        if (options.MetricsPort is not { } port) return;
        UseFrontScrapes(web, options, supervisor, port);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void UseFrontScrapes(WebApplication web, GatewayOptions options, Workers.WorkerSupervisor supervisor, int port)
    {
        var own = ((IApplicationBuilder)web).New().UseOpenTelemetryPrometheusScrapingEndpoint(_ => true).Build();
        var client = UnixClient(supervisor.SocketDirectory);
        var workerPath = options.HealthPath + "/metrics";
        web.MapWhen(c => c.Connection.LocalPort == port, b => b.Run(async context =>
        {
            if (context.Request.Path.Value != "/metrics")
            {
                await NotFound(context);
                return;
            }
            var workers = supervisor.Ready.Select(async w => (w.Slot.ToString(), await ScrapeAsync(client, $"http://{w.Name}{workerPath}", context.RequestAborted)));
            var front = ("front", await OwnAsync(own, context));
            var scrapes = (await Task.WhenAll(workers)).Where(s => s.Item2 is not null).Select(s => (s.Item1, s.Item2!)).Prepend(front);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = PrometheusText;
            await context.Response.WriteAsync(PrometheusMerge.Merge(scrapes), context.RequestAborted);
        }));
    }

    static Task NotFound(HttpContext context) =>
        Http.PlainText.WriteAsync(context, StatusCodes.Status404NotFound, "Not found: this port serves /metrics only");

    /// <summary>The exporter's answer for this process, written into a buffer instead of the response.</summary>
    static async Task<string> OwnAsync(RequestDelegate exporter, HttpContext context)
    {
        var body = context.Response.Body;
        using var buffer = new MemoryStream();
        // The classic text format, which the merge reads, uncompressed (the merged answer goes out plain).
        context.Request.Headers.Accept = "text/plain";
        context.Request.Headers.AcceptEncoding = default;
        context.Response.Body = buffer;
        try
        {
            await exporter(context);
        }
        finally
        {
            context.Response.Body = body;
            context.Response.Headers.ContentEncoding = default;
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    static async Task<string?> ScrapeAsync(HttpClient client, string url, CancellationToken aborted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("text/plain");
            using var response = await client.SendAsync(request, deadline.Token);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(deadline.Token) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !aborted.IsCancellationRequested)
        {
            return null; // a worker that is going away: the others still answer
        }
    }

    static HttpClient UnixClient(string socketDirectory) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, cancel) =>
            await Workers.WorkerSocketConnect.ConnectAsync(socketDirectory, context.DnsEndPoint.Host, cancel).ConfigureAwait(false),
    }) { Timeout = Timeout.InfiniteTimeSpan };
}
