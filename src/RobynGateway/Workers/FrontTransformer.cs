using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Workers;

/// <summary>
/// What the front changes in a request on its way to a worker, and nothing more: the headers are
/// copied as they came (HttpTransformer's copy; the Host header is the worker's, the client's goes
/// in X-Forwarded-Host), X-Forwarded-For, -Proto and -Host are replaced with what the front knows
/// (after <c>--forwarded-allow-ips</c>), and the front's key is set, replacing any a client sent.
/// One fixed object: no per-route transform pipeline.
/// </summary>
internal sealed class FrontTransformer(FrontKey key) : HttpTransformer
{
    const string ForwardedFor = "X-Forwarded-For";
    const string ForwardedProto = "X-Forwarded-Proto";
    const string ForwardedHost = "X-Forwarded-Host";
    const string ForwardedPrefix = "X-Forwarded-Prefix";

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest,
        string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var headers = proxyRequest.Headers;
        // What a client sent under these names is not believed: the worker applies them only from us.
        headers.Remove(ForwardedFor);
        headers.Remove(ForwardedProto);
        headers.Remove(ForwardedHost);
        headers.Remove(ForwardedPrefix);
        headers.Remove(FrontKey.Header);
        var request = httpContext.Request;
        if (httpContext.Connection.RemoteIpAddress is { } ip) headers.TryAddWithoutValidation(ForwardedFor, ip.ToString());
        headers.TryAddWithoutValidation(ForwardedProto, request.Scheme);
        if (request.Host.HasValue) headers.TryAddWithoutValidation(ForwardedHost, request.Host.Value);
        headers.TryAddWithoutValidation(FrontKey.Header, key.Value);
    }
}
