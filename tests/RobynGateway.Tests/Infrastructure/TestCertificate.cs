using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// A self-signed certificate for 127.0.0.1 made at test time, written as the PEM files users pass
/// to --ssl-certfile / --ssl-keyfile, in a temp folder removed on dispose. Clients made here trust
/// exactly that certificate.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    public X509Certificate2 Certificate { get; }
    public string Folder { get; }
    public string CertFile => Path.Combine(Folder, "cert.pem");
    public string KeyFile => Path.Combine(Folder, "key.pem");

    TestCertificate(X509Certificate2 certificate, string certPem, string keyPem)
    {
        Certificate = certificate;
        Folder = Directory.CreateTempSubdirectory("robyn-tls-").FullName;
        File.WriteAllText(CertFile, certPem);
        File.WriteAllText(KeyFile, keyPem);
    }

    /// <summary>A certificate signed by its own key; <paramref name="issuer"/> signs it instead and is written after it, as a chain.</summary>
    public static TestCertificate Create(string subject = "CN=robyn-gateway-test", TestCertificate? issuer = null, bool encryptKey = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(subject, key, isAuthority: false);
        var certificate = issuer is null
            ? request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1))
            : request.Create(issuer.Certificate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12),
                RandomNumberGenerator.GetBytes(8)).CopyWithPrivateKey(key);
        var certPem = certificate.ExportCertificatePem() + "\n" + (issuer?.Certificate.ExportCertificatePem() ?? "");
        var keyPem = encryptKey
            ? key.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000))
            : key.ExportPkcs8PrivateKeyPem();
        return new TestCertificate(certificate, certPem, keyPem);
    }

    /// <summary>A certificate authority, to issue a leaf whose file then holds a chain.</summary>
    public static TestCertificate CreateAuthority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authority = Request("CN=robyn-gateway-test-ca", key, isAuthority: true)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new TestCertificate(authority, authority.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    static CertificateRequest Request(string subject, ECDsa key, bool isAuthority)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isAuthority, false, 0, true));
        if (!isAuthority)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        return request;
    }

    /// <summary>
    /// An HTTPS client for the port that trusts only this certificate and speaks exactly
    /// <paramref name="version"/>; from another loopback address if <paramref name="localAddress"/> is given.
    /// </summary>
    public HttpClient ClientFor(int port, Version version, string? localAddress = null)
    {
        var thumbprint = Certificate.Thumbprint;
        var handler = localAddress is null ? new SocketsHttpHandler() : LoopbackClient.Handler(localAddress);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == thumbprint;
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://127.0.0.1:{port}"),
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
