using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RobynGateway.Hosting;

/// <summary>
/// Robyn's <c>app.start(client_timeout=, keep_alive_timeout=)</c> on Kestrel. Robyn hands them to
/// actix-web's <c>client_request_timeout</c> (time to receive a request's head) and
/// <c>keep_alive</c> (idle time between requests on one connection); Kestrel's
/// <c>RequestHeadersTimeout</c> and <c>KeepAliveTimeout</c> mean the same.
/// </summary>
internal static class KestrelTimeouts
{
    public static void UseRobynTimeouts(this KestrelServerOptions kestrel, GatewayOptions options)
    {
        kestrel.Limits.RequestHeadersTimeout = options.ClientTimeout;
        kestrel.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
    }
}
