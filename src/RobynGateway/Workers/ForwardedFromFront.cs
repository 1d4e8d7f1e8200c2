using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace RobynGateway.Workers;

/// <summary>
/// In a worker, X-Forwarded-For, -Proto and -Host are the truth only when the front sent them: the
/// front has applied <c>--forwarded-allow-ips</c> and YARP has replaced whatever the client sent.
/// The socket folder keeps other users out, but a process of ours (or a bug) that reaches a
/// worker socket must not choose <c>request.ip_addr</c>: a request is from the front when it
/// carries the front's key (<see cref="FrontKey"/>). Only then are the headers applied; the key
/// header is removed either way, so the app never sees it.
/// </summary>
internal static class ForwardedFromFront
{
    public static void UseForwardedFromFront(this WebApplication web) => web.Use(Middleware(web));

    /// <summary>
    /// A worker under --balance kernel serves the public on its inherited sockets and its front on
    /// its worker socket (health probes, metrics). Each listener gets its own rule: the public's
    /// headers by --forwarded-allow-ips, the worker socket's only with the front's key. (Without the
    /// split, a process reaching the worker socket was a trusted Unix peer and chose request.ip_addr.)
    /// </summary>
    public static void UseForwardedByListener(this WebApplication web, Web.ForwardedTrust trust)
    {
        var fromFront = Middleware(web);
        var fromPublic = Web.ForwardedHeadersSetup.Middleware(web, trust);
        // The worker socket's connections are marked when accepted (GatewayHost); a TCP connection (one
        // with a remote address) is the public's without looking further.
        web.Use((context, next) => context.Connection.RemoteIpAddress is null
            && context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items
                .ContainsKey(Observability.MetricsSetup.FromFront) == true
            ? fromFront(context, next) : fromPublic(context, next));
    }

    static Func<HttpContext, RequestDelegate, Task> Middleware(WebApplication web)
    {
        var workerSocket = web.Services.GetRequiredService<Hosting.GatewayOptions>().WorkerSocket!;
        var key = FrontKey.ReadBeside(workerSocket);
        if (key is null)
            web.Logger.LogWarning("No front key beside {Socket}: X-Forwarded-* headers will not be believed", workerSocket);
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            ForwardLimit = 1,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        var forwarders = new ForwardedHeadersMiddleware(static _ => Task.CompletedTask,
            web.Services.GetRequiredService<ILoggerFactory>(), Options.Create(options));
        return (context, next) =>
        {
            var headers = context.Request.Headers;
            var sent = headers[FrontKey.Header];
            if (sent.Count == 0) return next(context); // not from the front: believe nothing
            headers.Remove(FrontKey.Header);
            if (key is not null && key.Matches(sent)) forwarders.ApplyForwarders(context);
            return next(context);
        };
    }
}
