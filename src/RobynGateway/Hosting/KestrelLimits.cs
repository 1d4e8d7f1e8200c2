using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RobynGateway.Hosting;

/// <summary>
/// The limits of the public listener: the front's under --processes, else the one process's. A
/// worker's only client is its front's connection pool, for which Kestrel's defaults suit.
/// <list type="bullet">
/// <item>Robyn's <c>app.start(client_timeout=, keep_alive_timeout=)</c>, which Robyn hands to
/// actix-web's <c>client_request_timeout</c> (time to receive a request's head) and <c>keep_alive</c>
/// (idle time between requests on one connection): Kestrel's <c>RequestHeadersTimeout</c> and
/// <c>KeepAliveTimeout</c> mean the same. A client whose headers are late gets 408 and the
/// connection is closed; an idle one is closed without a word.</item>
/// <item><c>--max-connections</c>: Kestrel's <c>MaxConcurrentConnections</c>, and the upgraded
/// (websocket) ones by the same bound. A connection beyond it is accepted and closed at once,
/// unanswered (Kestrel's rule), so a client sees a reset or an empty reply rather than a wait.</item>
/// <item><c>--backlog</c>: the socket transport's listen backlog.</item>
/// </list>
/// </summary>
internal static class KestrelLimits
{
    public static void UseRobynLimits(this KestrelServerOptions kestrel, GatewayOptions options)
    {
        kestrel.Limits.RequestHeadersTimeout = options.ClientTimeout;
        kestrel.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
        if (options.MaxConnections is { } max)
        {
            kestrel.Limits.MaxConcurrentConnections = max;
            kestrel.Limits.MaxConcurrentUpgradedConnections = max;
        }
    }

    public static void UseRobynBacklog(this IWebHostBuilder web, GatewayOptions options)
    {
        if (options.Backlog is { } backlog) web.UseSockets(o => o.Backlog = backlog);
    }
}
