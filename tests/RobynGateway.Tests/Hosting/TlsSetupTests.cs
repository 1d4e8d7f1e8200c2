using RobynGateway.Hosting;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>Reading --ssl-certfile / --ssl-keyfile, without starting anything.</summary>
public sealed class TlsSetupTests
{
    [Fact]
    public void No_flags_is_plain_http()
    {
        Assert.Equal((null, null), TlsSetup.CheckFiles(null, null));
        Assert.Null(TlsSetup.Load(null, null));
    }

    [Fact]
    public void Certificate_and_its_key_load_with_the_key_attached()
    {
        using var made = TestCertificate.Create();
        var tls = TlsSetup.Load(made.CertFile, made.KeyFile)!;
        Assert.Equal(made.Certificate.Thumbprint, tls.Leaf.Thumbprint);
        Assert.True(tls.Leaf.HasPrivateKey);
        Assert.Empty(tls.Chain);
    }

    [Fact]
    public void Intermediates_after_the_certificate_are_sent_as_its_chain()
    {
        using var authority = TestCertificate.CreateAuthority();
        using var made = TestCertificate.Create(issuer: authority);
        var tls = TlsSetup.Load(made.CertFile, made.KeyFile)!;
        Assert.Equal(made.Certificate.Thumbprint, tls.Leaf.Thumbprint);
        Assert.Equal(authority.Certificate.Thumbprint, Assert.Single(tls.Chain).Thumbprint);
    }

    [Theory]
    [InlineData(true, false, "--ssl-certfile needs --ssl-keyfile too")]
    [InlineData(false, true, "--ssl-keyfile needs --ssl-certfile too")]
    public void One_flag_without_the_other_is_a_usage_error(bool cert, bool key, string message)
    {
        var ex = Assert.Throws<UsageException>(() => TlsSetup.CheckFiles(cert ? "cert.pem" : null, key ? "key.pem" : null));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void A_missing_file_or_a_directory_is_a_usage_error_naming_the_flag()
    {
        using var made = TestCertificate.Create();
        var missing = Assert.Throws<UsageException>(() => TlsSetup.CheckFiles(made.CertFile, made.KeyFile + ".gone"));
        Assert.Contains($"--ssl-keyfile {made.KeyFile}.gone: no such file", missing.Message);
        var folder = Assert.Throws<UsageException>(() => TlsSetup.CheckFiles(made.Folder, made.KeyFile));
        Assert.Contains("--ssl-certfile", folder.Message);
        Assert.Contains("is a directory", folder.Message);
    }

    [Fact]
    public void A_key_that_is_not_the_certificates_is_refused()
    {
        using var one = TestCertificate.Create();
        using var other = TestCertificate.Create();
        var ex = Assert.Throws<CertificateException>(() => TlsSetup.Load(one.CertFile, other.KeyFile));
        Assert.Contains("Is the key the one the certificate was issued for?", ex.Message);
    }

    [Fact]
    public void Files_without_pem_are_refused_with_what_was_expected()
    {
        using var made = TestCertificate.Create();
        var notPem = Path.Combine(made.Folder, "notes.txt");
        File.WriteAllText(notPem, "not a certificate");
        Assert.Contains("no PEM certificate", Assert.Throws<CertificateException>(() => TlsSetup.Load(notPem, made.KeyFile)).Message);
        Assert.Contains("no PEM private key", Assert.Throws<CertificateException>(() => TlsSetup.Load(made.CertFile, notPem)).Message);
        // The certificate file given as the key: a common slip.
        Assert.Contains("no PEM private key", Assert.Throws<CertificateException>(() => TlsSetup.Load(made.CertFile, made.CertFile)).Message);
    }

    [Fact]
    public void An_encrypted_key_is_refused_with_how_to_decrypt_it()
    {
        using var made = TestCertificate.Create(encryptKey: true);
        var ex = Assert.Throws<CertificateException>(() => TlsSetup.Load(made.CertFile, made.KeyFile));
        Assert.Contains("the key is encrypted", ex.Message);
        Assert.Contains("openssl pkey", ex.Message);
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_refused()
    {
        // Readable for no one, root included: reading a process's memory at offset 0 fails.
        using var made = TestCertificate.Create();
        var ex = Assert.Throws<CertificateException>(() => TlsSetup.Load("/proc/self/mem", made.KeyFile));
        Assert.Contains("--ssl-certfile /proc/self/mem: cannot read it", ex.Message);
    }
}
