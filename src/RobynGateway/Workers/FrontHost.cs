using RobynGateway.Hosting;
using RobynGateway.Web;
using Serilog;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace RobynGateway.Workers;

/// <summary>
/// The front process of <c>--processes N</c> (N &gt; 1): it owns the public listener (Kestrel:
/// HTTP/1.1, HTTP/2, WebSockets) and proxies every request with YARP to N worker processes, each a
/// whole gateway with its own interpreter and GIL. It runs no Python itself: it read the app file
/// only to learn what <c>app.start(...)</c> asked for, as Robyn's parent process does.
/// </summary>
internal static class FrontHost
{
    public static WebApplication Build(WebApplicationBuilder builder, GatewayOptions options, string python, Serilog.ILogger log)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("--processes needs Linux (Unix sockets, signals).");
        // Worker and relay sockets live here; only our user may open it, and only our requests are believed.
        SocketFolder folder;
        FrontKey key;
        try
        {
            folder = SocketFolder.Create(log);
            key = FrontKey.Create(folder.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A clear message and exit code 1, as for an app that cannot start (TMPDIR sets the place).
            throw new Python.AppLoadException($"--processes needs a folder for its worker sockets: {ex.Message}");
        }
        var socketDirectory = folder.Path;
        var config = WorkerDestinations.CreateProvider();
        var launch = WorkerLaunch.ForThisProcess(options.AppPath, options.AppArgs, python, options.HealthPath);

        builder.Host.UseSerilog();
        // The workers get the graceful timeout to drain; the front waits for them a little longer.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.GracefulTimeout + TimeSpan.FromSeconds(10));
        builder.WebHost.UseUrls(GatewayHost.PublicUrl(options));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null; // FrontPayloadLimit enforces ROBYN_MAX_PAYLOAD_SIZE, with Robyn's 413
            k.UseRobynTimeouts(options);
        });
        if (options.OpenBrowser) builder.Services.AddHostedService<BrowserOpener>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton<IProxyConfigProvider>(config);
        // The host disposes it (deletes the folder) however the process ends, a failed start included.
        builder.Services.AddSingleton(_ => folder);
        builder.Services.AddReverseProxy()
            // Every forwarded request carries the front's key, replacing any a client sent.
            .AddTransforms(t => t.AddRequestHeader(FrontKey.Header, key.Value, append: false));
        builder.Services.AddSingleton<IForwarderHttpClientFactory>(new UnixSocketForwarderFactory(socketDirectory));
        // The relay listens before the supervisor starts the workers (lifecycle services start in this order).
        // With --broadcast the relay speaks for every worker on Redis: one link, one presence per instance.
        builder.Services.AddSingleton(sp => new SocketRelay(Path.Combine(socketDirectory, "relay.sock"),
            sp.GetRequiredService<ILogger<SocketRelay>>(), options.Broadcast is { } url
                ? new Broadcast.RedisBus(url, sp.GetRequiredService<ILoggerFactory>().CreateLogger("RobynGateway.Broadcast"))
                : null));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SocketRelay>());
        builder.Services.AddSingleton(sp => new WorkerSupervisor(launch, config, options.Processes, options.MaxRequests,
            options.GracefulTimeout, sp.GetRequiredService<SocketFolder>(), sp.GetRequiredService<ILogger<WorkerSupervisor>>(),
            options.HangTimeout));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerSupervisor>());
        // Last, so its stop runs first: the workers cut what still runs after the graceful timeout, the front names it.
        builder.Services.AddRobynInFlightRequests(options.GracefulTimeout);

        var web = builder.Build();
        web.UseRobynInFlightRequests();
        var supervisor = web.Services.GetRequiredService<WorkerSupervisor>();
        // The client's address and scheme by --forwarded-allow-ips, before YARP passes them to the workers.
        web.UseRobynForwardedHeaders(options.ForwardedTrust);
        // Health is the front's own answer: ready while at least one worker is.
        var bus = web.Services.GetRequiredService<SocketRelay>().Bus;
        web.UseRobynHealth(options.HealthPath, () => supervisor.Ready.Count > 0, bus is null ? null : () => bus.Detail);
        // ROBYN_MAX_PAYLOAD_SIZE before YARP, so an oversized upload never ties up a worker.
        web.UseRobynPayloadLimit(options.MaxPayloadSize);
        web.MapReverseProxy(proxy =>
        {
            proxy.Use((context, next) => WorkerRetry.InvokeAsync(context, next, supervisor));
            proxy.UseLoadBalancing();
        });
        log.Information("Front process: {Processes} worker processes x {Workers} sync worker thread(s), proxied by YARP",
            options.Processes, options.Workers);
        return web;
    }
}
