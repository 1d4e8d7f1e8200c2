using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace RobynGateway.Web;

/// <summary>
/// Behind a trusted proxy, <c>request.ip_addr</c> is the client's address and the scheme is the one
/// the client used. ASP.NET's ForwardedHeadersMiddleware decides it: it walks X-Forwarded-For from
/// the right while the address it came from is trusted (no forward limit), as uvicorn does, and
/// sets the connection's remote address and the request's scheme, which RequestReader hands to
/// Python. An untrusted peer's headers change nothing.
///
/// It also rewrites the headers (consumed entries removed, X-Original-For added). uvicorn and Robyn
/// hand them to the app as they arrived, and apps read them, so we call its ApplyForwarders
/// ourselves and put the four headers back. A request with neither header costs two lookups.
/// </summary>
internal static class ForwardedHeadersSetup
{
    static readonly string ForwardedFor = ForwardedHeadersDefaults.XForwardedForHeaderName;
    static readonly string ForwardedProto = ForwardedHeadersDefaults.XForwardedProtoHeaderName;
    static readonly string OriginalFor = ForwardedHeadersDefaults.XOriginalForHeaderName;
    static readonly string OriginalProto = ForwardedHeadersDefaults.XOriginalProtoHeaderName;

    /// <summary>Goes first in the pipeline, so everything after it sees the client's address and scheme.</summary>
    public static IApplicationBuilder UseRobynForwardedHeaders(this IApplicationBuilder app, ForwardedTrust trust) =>
        app.Use(Middleware(app, trust));

    internal static Func<HttpContext, RequestDelegate, Task> Middleware(IApplicationBuilder app, ForwardedTrust trust)
    {
        var forwarders = new ForwardedHeadersMiddleware(static _ => Task.CompletedTask,
            app.ApplicationServices.GetRequiredService<ILoggerFactory>(), Options.Create(OptionsFor(trust)));
        return (context, next) =>
        {
            var headers = context.Request.Headers;
            if (!headers.ContainsKey(ForwardedFor) && !headers.ContainsKey(ForwardedProto))
                return next(context);
            var (forwardedFor, forwardedProto) = (headers[ForwardedFor], headers[ForwardedProto]);
            var (originalFor, originalProto) = (headers[OriginalFor], headers[OriginalProto]);
            forwarders.ApplyForwarders(context);
            Restore(headers, ForwardedFor, forwardedFor);
            Restore(headers, ForwardedProto, forwardedProto);
            Restore(headers, OriginalFor, originalFor);
            Restore(headers, OriginalProto, originalProto);
            return next(context);
        };
    }

    internal static ForwardedHeadersOptions OptionsFor(ForwardedTrust trust)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null,
        };
        // Empty lists trust every peer (uvicorn's *); ASP.NET's defaults (127.0.0.0/8, ::1) go either way.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in trust.Proxies) options.KnownProxies.Add(proxy);
        foreach (var network in trust.Networks) options.KnownIPNetworks.Add(network);
        return options;
    }

    static void Restore(IHeaderDictionary headers, string name, StringValues value)
    {
        if (StringValues.IsNullOrEmpty(value)) headers.Remove(name);
        else headers[name] = value;
    }
}
