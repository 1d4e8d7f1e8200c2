using RobynGateway.Hooks;
using RobynGateway.Observability;
using RobynGateway.Python;
using RobynGateway.Routing;
using RobynGateway.Web;
using RobynGateway.WebSockets;
using RobynGateway.Workers;
using Serilog;
using RobynGateway.Http;

namespace RobynGateway.Hosting;

/// <summary>
/// Builds the web application for one Robyn app: chooses and starts Python, runs the app file (so
/// its routes and its <c>app.start(...)</c> arguments are known before Kestrel is configured), then
/// wires Kestrel, the route table and the lifecycle. Used by Program and, unchanged, by the tests.
/// </summary>
internal static class GatewayHost
{
    /// <summary>
    /// <paramref name="becomeFront"/>: the program's own start passes <see cref="FrontExec.Replace"/>,
    /// so that a front of --processes sheds the interpreter it read the app with (it returns only
    /// if that failed, with the reason); without it (the tests' hosts) the front is built here.
    /// </summary>
    public static WebApplication Build(CommandLine cli, Func<FrontPlan, string>? becomeFront = null)
    {
        var hosting = new WebApplicationOptions
        {
            Args = cli.HostingArgs.ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        };
        // The roles of --processes (the front's own image, which only proxies, and the workers,
        // which serve their front on a Unix socket in clear) take the slim builder: it leaves out
        // what they never use (IIS integration, HTTP/3 and QUIC, host filtering, regex route
        // constraints, the default logging providers), so each loads fewer assemblies and types:
        // 3-4 MB less per process (bench/memory.sh). One process keeps the full builder.
        var slim = cli.Get(GatewayFlags.FrontPlan) is not null || cli.IsWorker;
        var builder = slim ? WebApplication.CreateSlimBuilder(hosting) : WebApplication.CreateBuilder(hosting);
        builder.WebHost.UseRobynSocketScheduling();
        var appPath = cli.AppPath ?? builder.Configuration[GatewayOptions.AppPathKey];
        // ASP.NET users keep appsettings.json beside their code: the app's folder, after the binary's.
        // Its Robyn section sets options (AppSettings), its Serilog section the logging.
        builder.Configuration.AddAppFolder(appPath, builder.Environment.EnvironmentName);
        var env = AppSettings.Layer(builder.Configuration, RobynEnvFile.Layer(appPath, Environment.GetEnvironmentVariable));
        var options = GatewayOptions.FromCommandLine(cli, builder.Configuration, env);
        Logging.Configure(options.LogLevel, options.LogFormat, builder.Configuration);
        var log = Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway");
        var tls = TlsSetup.Load(options.SslCertFile, options.SslKeyFile);

        // The front's own image: the process that read the app handed over what it learnt.
        if (cli.Get(GatewayFlags.FrontPlan) is { } json)
        {
            var plan = FrontPlan.Parse(json);
            options = WithAppStart(options, cli, env, plan.Start, builder, ref log);
            if (cli.AppPath is not null) builder.Services.AddRobynSignals(options);
            // Under --balance kernel the workers terminate TLS; the front's Kestrel serves only its own socket and metrics.
            if (tls is not null && !options.KernelBalance)
            {
                builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder's https:// URLs need it
                builder.WebHost.UseTls(tls, log);
            }
            RequestTimeouts.ProxyActivityTimeout = TimeSpan.FromSeconds(plan.ProxyActivityTimeoutSeconds);
            return FrontHost.Build(builder, options, plan.WorkerProgram, plan.Python, plan.PythonVersion, plan.HealthChecks, log);
        }

        var (app, python) = LoadApp(options, env, log);
        options = WithAppStart(options, cli, env, app.StartArgs, builder, ref log);
        // The program's own signals (the TestClient's and the tests' hosts, with no app path, keep the host's).
        if (cli.AppPath is not null) builder.Services.AddRobynSignals(options);
        if (options.Processes > 1)
        {
            // The workers enforce --timeout; the front's proxy must outwait them.
            RequestTimeouts.SetProxyActivityTimeout(options.Timeout, app.Routes);
            if (becomeFront is not null)
            {
                var why = becomeFront(new FrontPlan(app.StartArgs, WorkerLaunch.ThisProgram(), python, PythonRuntime.Install.Version.ToString(),
                    RequestTimeouts.ProxyActivityTimeout.TotalSeconds, app.HealthChecks));
                log.Warning("The front could not replace its image ({Reason}): it keeps the interpreter it read the app with", why);
            }
            if (tls is not null && !options.KernelBalance) builder.WebHost.UseTls(tls, log);
            return FrontHost.Build(builder, options, WorkerLaunch.ThisProgram(), python, PythonRuntime.Install.Version.ToString(),
                app.HealthChecks, log);
        }
        // The one process terminates TLS; a worker serves only its front, in clear.
        // A worker serves only the front, in clear, unless it accepts the public's connections itself (--balance kernel).
        if (tls is not null && options.ServesPublic) builder.WebHost.UseTls(tls, log);
        return Compose(builder, options, app, log);
    }

    /// <summary>Starts Python and runs the app file; returns the app and the interpreter's executable.</summary>
    static (PythonApp App, string Python) LoadApp(GatewayOptions options, Func<string, string?> env, Serilog.ILogger log)
    {
        var install = PythonRuntime.EnsureStarted(
            () => PythonLocator.Locate(options.Python, env),
            i => log.Information("Python {Version} at {Executable} (chosen by {Because}); libpython {Library}",
                i.Version, i.Executable, i.ChosenBecause, i.LibraryPath));
        if (options.Python is { } asked && PythonRuntime.Install.ChosenBecause != "--python")
            log.Warning("--python {Asked} is ignored: this process already runs Python from {Executable}", asked, install.Executable);

        if (options.Dev && !options.IsWorker)
            log.Warning("Dev mode (--dev or ROBYN_DEV_MODE): 500 answers carry the Python traceback, with file paths and "
                + "exception text; never run a public server this way");
        return (PythonApp.Load(options.AppPath, options.AppArgs, options.Dev), install.Executable);
    }

    /// <summary>Fills in what the app's code asked for; the app's Config may have chosen the log level.</summary>
    static GatewayOptions WithAppStart(GatewayOptions options, CommandLine cli, Func<string, string?> env, StartArgs start,
        WebApplicationBuilder builder, ref Serilog.ILogger log)
    {
        var beforeApp = options.LogLevel;
        options = options.WithAppStart(cli, env, start);
        if (options.LogLevel != beforeApp)
        {
            // The app's Config chose the level in code: from here on, it is the one.
            Logging.Configure(options.LogLevel, options.LogFormat, builder.Configuration);
            log = Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway");
        }
        return options;
    }

    /// <summary>
    /// Everything between the server and Python, around an app already read: what the gateway and
    /// the TestClient (which brings its own app object and server) share.
    /// </summary>
    internal static WebApplication Compose(WebApplicationBuilder builder, GatewayOptions options, PythonApp app, Serilog.ILogger log)
    {
        builder.Host.UseSerilog();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.GracefulTimeout);
        if (options.MetricsPort == options.Port && !options.IsWorker)
            throw new UsageException($"--metrics-port {options.MetricsPort} is the app's port: metrics get a port of their own.");
        if (options.WorkerSocket is { } socket)
        {
            // A worker of a front process: only the front can reach it, through this socket.
            if (File.Exists(socket)) File.Delete(socket);
            var https = options.SslCertFile is not null;
            if (options.ListenFds.Count > 0) builder.WebHost.UseRobynBacklog(options);
            builder.WebHost.ConfigureKestrel(k =>
            {
                // HTTP/1.1 whatever the endpoint defaults say (TLS sets HTTP/2 too): the front's probe and scrapes speak it.
                k.ListenUnixSocket(socket, listen =>
                {
                    listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
                    // Marked, so that what only the front may ask (the metrics scrape) is told from the public's requests.
                    listen.Use(next => connection =>
                    {
                        connection.Items[Observability.MetricsSetup.FromFront] = true;
                        return next(connection);
                    });
                });
                // --balance kernel: the public sockets its front opened and this process inherited; the
                // kernel gives each connection to whichever worker accepts it first.
                foreach (var fd in options.ListenFds)
                    k.ListenHandle((ulong)fd, listen =>
                    {
                        if (https) listen.UseHttps();
                    });
            });
        }
        else builder.WebHost.UseRobynListeners(options, log);
        builder.AddRobynMetrics(options);
        builder.AddRobynTracing(options);
        if ((options.WorkerOf ?? (DevReloader.IsChild ? ParentWatch.CurrentParent() : null)) is { } parent)
            builder.Services.AddHostedService(sp => new ParentWatch(parent,
                sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<ParentWatch>>()));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // RequestReader enforces ROBYN_MAX_PAYLOAD_SIZE with Robyn's 413, the same under TestServer.
            k.Limits.MaxRequestBodySize = null;
            // A worker's only client is its front's connection pool: Kestrel's defaults suit it.
            if (options.ServesPublic) k.UseRobynLimits(options);
        });
        if (!options.IsWorker && options.OpenBrowser) builder.Services.AddHostedService<BrowserOpener>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(app);
        builder.Services.AddSingleton(new HookTable(app.Declarations.Hooks));
        builder.Services.AddSingleton(new GlobalHeaders(app.Declarations));
        builder.Services.AddSingleton<RouteHandlerFactory>();
        builder.Services.AddSingleton(sp => new RequestTimeouts.Policies(options.Timeout, sp.GetRequiredService<ILogger<Routing.RouteHandler>>()));
        builder.Services.AddRequestTimeouts();
        builder.Services.AddSingleton<RobynEndpointDataSource>();
        builder.Services.AddHostedService<PythonLifecycle>();
        builder.Services.AddRobynWeb(app.Declarations, options, log);
        builder.Services.AddRobynWebSockets(app, options);
        builder.Services.AddRobynHealth(app);
        builder.Services.AddRobynInFlightRequests(options.GracefulTimeout); // last: its stop runs first
        if (options.IsWorker && options.ServesPublic && options.MaxRequests > 0) builder.Services.AddSingleton<ServedCount>();

        var web = builder.Build();
        // Scrapes come on their own port (or, on a worker, path): outside the app's pipeline.
        web.UseRobynMetrics(options, app);
        if (!options.IsWorker) web.AnnounceUnixSocket(options, log);
        web.AnnounceStart(options, log);
        // First: a graceful stop that runs out names every request it cuts.
        web.UseRobynInFlightRequests();
        // Before anything can answer, so every answer (a 404, a 503, a health check) carries its id.
        web.UseRobynRequestIds();
        web.UseRequestIdInLogs();
        web.UseRobynTraceContext();
        if (AccessLog.Wanted(options, web.Configuration))
            web.UseRobynAccessLog(frontProbe: options.IsWorker ? Workers.WorkerHealthProbe.ReadyPath(options.HealthPath) : null);
        // --root-path: routed (and seen by the app) without the proxy's prefix; the access log, before
        // this, names the path as the client sent it. Where the app runs: under --processes the
        // front forwards the path whole and each worker strips it.
        if (options.RootPath.Length > 0) web.UsePathBase(options.RootPath);
        // A worker of --balance front has one peer, its front, which has applied --forwarded-allow-ips already.
        if (!options.ServesPublic) web.UseForwardedFromFront();
        else if (options.IsWorker) web.UseForwardedByListener(options.ForwardedTrust); // --balance kernel: the public and its front
        else web.UseRobynForwardedHeaders(options.ForwardedTrust);
        web.UseRobynHealth(options.HealthPath, worker: options.IsWorker);
        if (web.Services.GetService<ServedCount>() is not null) ServedCount.UseServedCount(web);
        web.UseRobynWebSockets();
        web.UseRobynMethodFilter();
        web.UseRobynWeb();
        web.UseRouting();
        // Both before the hooks: an overloaded app refuses a request before its body is read, and
        // the timeout covers every trip into Python (hooks, handler) up to the answer's start.
        if (options.MaxQueue > 0)
            web.Use(next => new QueueGuard(next, app, options.MaxQueue, options.MaxOnLoop,
                web.Services.GetRequiredService<ILogger<QueueGuard>>()).InvokeAsync);
        if (options.Timeout > TimeSpan.Zero || app.Routes.Any(r => r.Timeout > 0)) web.UseRequestTimeouts();
        web.UseRobynHooks(web.Services);
        web.UseRobynNotFound(web.Services.GetRequiredService<GlobalHeaders>(), hooked: !web.Services.GetRequiredService<HookTable>().IsEmpty);
        ((IEndpointRouteBuilder)web).DataSources.Add(web.Services.GetRequiredService<RobynEndpointDataSource>());
        HealthEndpoints.WarnShadowed(app.Routes, options.HealthPath, log);
        if (options.Broadcast is { } broadcast && app.Sockets.IsEmpty && !options.IsWorker)
            log.Warning("--broadcast {Url}: the app has no websocket endpoint, so there is nothing to share; not connecting", broadcast);
        log.Information("Loaded {App}: {Count} routes, {Sockets} websocket endpoint(s), {Workers} sync worker(s), " +
            "request timeout {Timeout}, queue bound {MaxQueue}",
            options.AppPath, app.Routes.Count, app.Sockets.Endpoints.Count, options.Workers,
            options.Timeout > TimeSpan.Zero ? $"{options.Timeout.TotalSeconds} s" : "none",
            options.MaxQueue > 0 ? $"{options.MaxQueue} sync / {options.MaxOnLoop} on the loop" : "none");
        return web;
    }

    /// <summary>Where the front, or the one process, listens: https with --ssl-certfile.</summary>
    internal static string PublicUrl(GatewayOptions options) =>
        $"{(options.SslCertFile is null ? "http" : "https")}://{FormatHost(options.Host)}:{options.Port}";

    internal static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
