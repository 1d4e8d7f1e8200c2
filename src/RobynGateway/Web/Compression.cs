using Microsoft.AspNetCore.ResponseCompression;

namespace RobynGateway.Web;

/// <summary>
/// <c>--compression</c>: ASP.NET Core's response compression, Brotli preferred, then gzip, for
/// the default MIME types (JSON, JavaScript, XML, ...) and any <c>text/*</c>. Responses that
/// are already encoded or carry a <c>Content-Range</c> are left alone by the middleware.
/// </summary>
internal static class Compression
{
    public static void AddRobynCompression(this IServiceCollection services) =>
        services.AddResponseCompression(o =>
        {
            // HTTPS stays uncompressed (the default): compressing a response that holds both a secret
            // and text an attacker can reflect into it leaks the secret through the size (BREACH),
            // and the gateway cannot tell which responses do. So with --ssl-certfile nothing is
            // compressed; behind a TLS proxy, the proxy decides.
            o.EnableForHttps = false;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "text/*"];
        });
}
