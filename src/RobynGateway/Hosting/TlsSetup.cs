using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RobynGateway.Hosting;

/// <summary>The server certificate with its private key, and the intermediates sent after it.</summary>
internal sealed record TlsCertificate(X509Certificate2 Leaf, X509Certificate2Collection Chain);

/// <summary>A certificate or key file that exists but cannot be used; the start ends with exit code 1.</summary>
internal sealed class CertificateException(string message) : Exception(message);

/// <summary>
/// <c>--ssl-certfile</c> / <c>--ssl-keyfile</c>, PEM files as uvicorn takes them: Kestrel terminates
/// TLS itself and offers HTTP/2 and HTTP/1.1 through ALPN. Checked in two steps, both before Python
/// starts: a flag without its partner or a path that is not there is a usage error (exit 2), then
/// a file that cannot be read, holds no PEM, or a key that is not the certificate's is exit 1.
/// </summary>
internal static class TlsSetup
{
    /// <summary>The two paths made absolute; both null for plain HTTP.</summary>
    public static (string? CertFile, string? KeyFile) CheckFiles(string? certFile, string? keyFile) =>
        (certFile, keyFile) switch
        {
            (null, null) => (null, null),
            (_, null) => throw new UsageException("--ssl-certfile needs --ssl-keyfile too (the certificate's private key)."),
            (null, _) => throw new UsageException("--ssl-keyfile needs --ssl-certfile too (the certificate it belongs to)."),
            _ => (Existing("--ssl-certfile", certFile), Existing("--ssl-keyfile", keyFile)),
        };

    static string Existing(string flag, string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"{flag} {full}: that is a directory; give the PEM file.");
        if (!File.Exists(full)) throw new UsageException($"{flag} {full}: no such file.");
        return full;
    }

    /// <summary>Reads and pairs the certificate and key; null for plain HTTP.</summary>
    public static TlsCertificate? Load(string? certFile, string? keyFile)
    {
        if (certFile is null || keyFile is null) return null;
        return LoadPem(certFile, keyFile);
    }

    // A method of its own: plain HTTP never loads the crypto assemblies (the JIT loads the
    // assemblies of the types a method names when it compiles it).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static TlsCertificate LoadPem(string certFile, string keyFile)
    {
        var certPem = Read("--ssl-certfile", certFile);
        var keyPem = Read("--ssl-keyfile", keyFile);
        if (!certPem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            throw new CertificateException($"--ssl-certfile {certFile}: no PEM certificate in it (-----BEGIN CERTIFICATE-----).");
        if (keyPem.Contains("ENCRYPTED", StringComparison.Ordinal))
            throw new CertificateException($"--ssl-keyfile {keyFile}: the key is encrypted; give an unencrypted one "
                + "(openssl pkey -in KEY -out key.pem) and keep the file readable only by the gateway's user.");
        if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            throw new CertificateException($"--ssl-keyfile {keyFile}: no PEM private key in it (-----BEGIN PRIVATE KEY-----, or an RSA or EC one).");

        X509Certificate2 leaf;
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certPem);
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (ArgumentException)
        {
            throw new CertificateException($"--ssl-certfile {certFile} with --ssl-keyfile {keyFile}: the private key does "
                + "not match the certificate's public key. Is the key the one the certificate was issued for?");
        }
        catch (CryptographicException ex)
        {
            throw new CertificateException($"--ssl-certfile {certFile} with --ssl-keyfile {keyFile}: {ex.Message.TrimEnd('.')}. "
                + "Is the key the one the certificate was issued for?");
        }
        var chain = new X509Certificate2Collection();
        foreach (var intermediate in all.Skip(1)) chain.Add(intermediate);
        return new TlsCertificate(leaf, chain);
    }

    static string Read(string flag, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateException($"{flag} {path}: cannot read it ({ex.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>Kestrel serves HTTPS with the certificate, HTTP/2 or HTTP/1.1 as the client's ALPN asks.</summary>
    public static void UseTls(this IWebHostBuilder web, TlsCertificate tls, Serilog.ILogger log)
    {
        var leaf = tls.Leaf;
        log.Information("HTTPS (HTTP/2 and HTTP/1.1) with {Subject}, valid until {NotAfter:yyyy-MM-dd}, {Count} intermediate(s)",
            leaf.Subject, leaf.NotAfter, tls.Chain.Count);
        if (DateTime.Now > leaf.NotAfter || DateTime.Now < leaf.NotBefore)
            log.Warning("The certificate is valid only from {NotBefore:yyyy-MM-dd} to {NotAfter:yyyy-MM-dd}: clients will refuse it",
                leaf.NotBefore, leaf.NotAfter);
        web.ConfigureKestrel(k =>
        {
            k.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            k.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = leaf;
                https.ServerCertificateChain = tls.Chain;
            });
        });
    }
}
