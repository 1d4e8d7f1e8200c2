using RobynGateway.Hosting;
using RobynGateway.Observability;
using RobynGateway.Web;
using Serilog;
using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Workers;

/// <summary>
/// The front process of <c>--processes N</c> (N &gt; 1): it owns the public listener (Kestrel:
/// HTTP/1.1, HTTP/2, WebSockets) and forwards every request with YARP's forwarder to N worker processes,
/// each a whole gateway with its own interpreter and GIL. It runs no Python itself: it read the app file
/// only to learn what <c>app.start(...)</c> asked for, as Robyn's parent process does.
/// </summary>
internal static class FrontHost
{
    public static WebApplication Build(WebApplicationBuilder builder, GatewayOptions options, IReadOnlyList<string> workerProgram,
        string python, string pythonVersion, IReadOnlyList<Python.AppHealthCheck> appChecks, Serilog.ILogger log)
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
        var pool = new WorkerPool();
        // --balance kernel: the public socket is opened here, once, before any worker starts (a port
        // in use fails the start now); the workers inherit it and accept on it themselves.
        var shared = options.KernelBalance ? SharedListener.Open(options, options.Processes) : null;
        var launch = WorkerLaunch.For(workerProgram, options.AppPath, options.GatewayArgs, options.PassThrough, python, options.HealthPath,
            shared is null ? null : slot => WorkerLaunch.KernelArguments(options, shared.FdsFor(slot)));

        builder.Host.UseSerilog();
        // The workers get the graceful timeout to drain; the front waits for them a little longer.
        // Under --balance kernel each worker serves its --shutdown-delay first.
        var workerStop = options.GracefulTimeout + (options.KernelBalance ? options.ShutdownDelay : TimeSpan.Zero);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = workerStop + TimeSpan.FromSeconds(10));
        if (shared is null) builder.WebHost.UseRobynListeners(options, log);
        else
        {
            // The host disposes it after the workers have stopped: the queue lives as long as the front.
            builder.Services.AddSingleton(_ => shared);
            // No public listener here; the front's Kestrel serves only its metrics, and a socket in its
            // folder so that Kestrel has somewhere to listen without one (it would take localhost:5000).
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.ListenUnixSocket(Path.Combine(socketDirectory, "front.sock"),
                    listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
                Observability.MetricsSetup.ListenForScrapes(k, options);
            });
        }
        builder.AddRobynMetrics(options);
        builder.AddRobynTracing(options);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null; // FrontPayloadLimit enforces ROBYN_MAX_PAYLOAD_SIZE, with Robyn's 413
            k.UseRobynLimits(options);
        });
        if (options.OpenBrowser) builder.Services.AddHostedService<BrowserOpener>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(pool);
        // The host disposes it (deletes the folder) however the process ends, a failed start included.
        builder.Services.AddSingleton(_ => folder);
        // The forwarder alone (direct forwarding): no proxy config, routes, clusters, session affinity
        // (and its data protection) or transform pipeline, which one kind of destination does not need.
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(new FrontTransformer(key));
        builder.Services.AddSingleton(UnixSocketForwarding.CreateClient(socketDirectory,
            Observability.TracingSetup.IsOn(options, Environment.GetEnvironmentVariable)));
        // The relay listens before the supervisor starts the workers (lifecycle services start in this order).
        // With --broadcast the relay speaks for every worker on Redis: one link, one presence per instance.
        builder.Services.AddSingleton(sp => new SocketRelay(Path.Combine(socketDirectory, "relay.sock"),
            sp.GetRequiredService<ILogger<SocketRelay>>(), options.Broadcast is { } url ? NewBus(url, sp) : null));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SocketRelay>());
        builder.Services.AddSingleton(sp => new WorkerSupervisor(launch, pool, options.Processes, options.MaxRequests,
            workerStop, sp.GetRequiredService<SocketFolder>(), sp.GetRequiredService<ILogger<WorkerSupervisor>>(),
            options.HangTimeout) { KernelBalance = shared is not null });
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerSupervisor>());
        // Health is the front's own answer: ready while at least one worker is, and the app's checks pass on every worker.
        builder.Services.AddSingleton(sp => new Readiness(sp.GetRequiredService<IHostApplicationLifetime>(),
            () => sp.GetRequiredService<WorkerSupervisor>().Ready.Count > 0, null, sp.GetService<ShutdownDrain>(),
            sp.GetRequiredService<SocketRelay>().Bus is { } bus ? () => bus.Detail : null));
        var checks = builder.Services.AddRobynGatewayChecks();
        if (appChecks.Count > 0)
        {
            var timeout = WorkerAppHealthCheck.TimeoutFor(appChecks);
            checks.Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(HealthChecksSetup.OwnPrefix + "workers",
                sp => new WorkerAppHealthCheck(sp.GetRequiredService<WorkerSupervisor>(), socketDirectory, options.HealthPath, timeout),
                Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, [HealthChecksSetup.AppTag], timeout + TimeSpan.FromSeconds(1)));
        }
        // Last, so its stop runs first: the workers cut what still runs after the graceful timeout, the front names it.
        builder.Services.AddRobynInFlightRequests(options.GracefulTimeout);

        var web = builder.Build();
        web.AnnounceUnixSocket(options, log);
        web.AnnounceStart(options, log, pythonVersion, shared is null ? null : shared.Url ?? shared.Where);
        web.UseRobynInFlightRequests();
        // The front assigns the id; the worker keeps the one YARP forwards, so both log the same.
        web.UseRobynRequestIds(front: true);
        web.UseRequestIdInLogs();
        if (Observability.AccessLog.Wanted(options, web.Configuration)) web.UseRobynAccessLog(front: true);
        var supervisor = web.Services.GetRequiredService<WorkerSupervisor>();
        web.UseRobynFrontMetrics(options, supervisor);
        // The client's address and scheme by --forwarded-allow-ips, before the front passes them to the workers.
        web.UseRobynForwardedHeaders(options.ForwardedTrust);
        web.UseRobynHealth(options.HealthPath);
        // ROBYN_MAX_PAYLOAD_SIZE before forwarding, so an oversized upload never ties up a worker.
        if (shared is not null)
        {
            web.Lifetime.ApplicationStarted.Register(shared.Listen); // after the supervisor's start: every worker ready
            log.Information("Front process: {Processes} worker processes x {Workers} sync worker thread(s), accepting on {Where} "
                + "themselves (--balance kernel: the kernel spreads connections, nothing is proxied; each worker answers "
                + "{Health}/ready and terminates TLS itself)", options.Processes, options.Workers, shared.Where, options.HealthPath);
            log.Information(options.Broadcast is null
                ? "--balance kernel: a websocket client is served by the worker that accepted it; active_connections, send_to and "
                    + "broadcast still reach every worker's clients through the front's relay"
                : "--balance kernel: websockets of every worker are shared through the front's relay and --broadcast");
            return web;
        }
        web.UseRobynPayloadLimit(options.MaxPayloadSize);
        web.Run(ActivatorUtilities.CreateInstance<ForwardToWorker>(web.Services).InvokeAsync);
        // StartBanner says it at INFO once the workers are ready.
        log.Debug("Front process: {Processes} worker processes x {Workers} sync worker thread(s), forwarded by YARP",
            options.Processes, options.Workers);
        return web;
    }

    // Only with --broadcast: a method of its own, so that otherwise StackExchange.Redis is never
    // loaded (the JIT loads the assemblies of the types a method names when it compiles it).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static Broadcast.RedisBus NewBus(Broadcast.BroadcastUrl url, IServiceProvider sp) =>
        new(url, sp.GetRequiredService<ILoggerFactory>().CreateLogger("RobynGateway.Broadcast"));
}
