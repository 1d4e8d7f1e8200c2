using Microsoft.AspNetCore.HttpOverrides;

namespace RobynGateway.Workers;

/// <summary>
/// In a worker, the only peer is the front (the socket sits in a folder only our user can open), so
/// the X-Forwarded-For and X-Forwarded-Proto that the front's YARP sets are the truth:
/// <c>request.ip_addr</c> is the client's address and the scheme is the client's.
/// </summary>
internal static class ForwardedFromFront
{
    public static void UseForwardedFromFront(this WebApplication web)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            ForwardLimit = 1,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        web.UseForwardedHeaders(options);
    }
}
