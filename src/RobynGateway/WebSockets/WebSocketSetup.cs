using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;
using RobynGateway.Hosting;
using RobynGateway.Python;
using RobynGateway.Routing;
using RobynGateway.Http;

namespace RobynGateway.WebSockets;

/// <summary>
/// Puts the app's websocket endpoints in front of the pipeline: an upgrade request for a websocket
/// path is accepted before hooks, CORS and routing (Robyn's websockets bypass middlewares and win
/// over an HTTP GET route on the same path); any other request passes through untouched. Nothing
/// is added for an app without websockets.
/// </summary>
internal static class WebSocketSetup
{
    public static IServiceCollection AddRobynWebSockets(this IServiceCollection services, PythonApp app, GatewayOptions options)
    {
        if (app.Sockets.IsEmpty) return services;
        services.AddSingleton(new SocketOptions(
            options.WsPingInterval,
            options.WsPingTimeout,
            options.MaxPayloadSize,
            MaxQueuedBytes: Math.Max(16L << 20, 4 * options.MaxPayloadSize)));
        services.AddSingleton(sp => new SocketSession(app, app.Sockets, sp.GetRequiredService<SocketOptions>(),
            sp.GetRequiredService<GlobalHeaders>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("RobynGateway.WebSockets")));
        services.AddHostedService(sp => new WebSocketLifecycle(app.Sockets, options, sp.GetRequiredService<ILoggerFactory>().CreateLogger("RobynGateway.WebSockets")));
        return services;
    }

    public static void UseRobynWebSockets(this WebApplication web)
    {
        var hub = web.Services.GetRequiredService<PythonApp>().Sockets;
        if (hub.IsEmpty) return;
        var session = web.Services.GetRequiredService<SocketSession>();
        // Only a request that can upgrade meets the websockets middleware: it allocates a handshake
        // feature for every request it sees, and most requests are plain HTTP.
        web.UseWhen(MayUpgrade, upgrades =>
        {
            upgrades.UseWebSockets(); // keep-alive is set per connection, at accept
            upgrades.Use((context, next) =>
            {
                if (!context.WebSockets.IsWebSocketRequest || !hub.TryGetEndpoint(context.Request.Path.Value ?? "/", out var endpoint))
                    return next(context);
                if (hub.Stopping)
                    return PlainText.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                        "Service unavailable: the server is shutting down");
                return session.RunAsync(context, endpoint);
            });
        });
    }

    /// <summary>
    /// What the websockets middleware itself requires before it looks further: an HTTP/1.1 request
    /// the server may upgrade (it has <c>Connection: upgrade</c>), or an HTTP/2 extended CONNECT;
    /// or a server that brings its own websockets (TestServer's client sets the feature itself).
    /// </summary>
    static bool MayUpgrade(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
        || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true
        || context.Features.Get<IHttpWebSocketFeature>() is not null;
}

/// <summary>
/// In a worker of <c>--processes N</c>, at start: links the hub to the front's relay, so sends and
/// broadcasts reach the other workers' clients. With <c>--broadcast</c> in a single process: links
/// it to Redis (under <c>--processes</c> the front does, for all its workers). On shutdown, before Kestrel stops: every open
/// websocket gets a close frame (1001, going away) and its close handler runs, while the app's
/// Python side is still up (its shutdown handler runs later, in PythonLifecycle.StoppedAsync).
/// </summary>
internal sealed class WebSocketLifecycle(WebSocketHub hub, GatewayOptions options, ILogger log) : IHostedLifecycleService
{
    // Its own method, so that without --broadcast StackExchange.Redis is never loaded (the JIT loads
    // the assemblies of the types a method names when it compiles it).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static async Task StartBusAsync(Broadcast.BroadcastUrl url, WebSocketHub hub, ILogger log)
    {
        var bus = new Broadcast.RedisBus(url, log);
        await bus.StartAsync(hub);
        hub.Bus = bus;
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Broadcast is { } url)
        {
            hub.MaxOutgoing = options.MaxPayloadSize;
            if (!options.IsWorker) await StartBusAsync(url, hub, log);
        }
        if (options.WorkerSocket is not { } socket) return;
        var relay = new RelayClient(Path.Combine(Path.GetDirectoryName(socket)!, "relay.sock"), log);
        try
        {
            await relay.ConnectAsync(hub, cancellationToken);
            hub.Relay = relay;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            log.LogWarning("No websocket relay at the front ({Reason}): this worker's websockets reach its own clients only", ex.Message);
            await relay.DisposeAsync();
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await hub.CloseAllAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", options.GracefulTimeout);
        if (hub.Relay is { } relay)
        {
            hub.Relay = null;
            await relay.DisposeAsync();
        }
        if (hub.Bus is { } bus)
        {
            hub.Bus = null;
            await bus.DisposeAsync();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
