using System.Net;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>One real gateway serving HTTPS from PEM files made at test time.</summary>
public sealed class TlsGateway : IAsyncLifetime
{
    public TestCertificate Certificate { get; } = TestCertificate.Create();
    public GatewayProcess Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayProcess.Start("deploy_app.py",
            ["--ssl-certfile", Certificate.CertFile, "--ssl-keyfile", Certificate.KeyFile]).WaitReadyAsync();

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Certificate.Dispose();
    }
}

/// <summary><c>--ssl-certfile</c> / <c>--ssl-keyfile</c> on a real process: HTTP/2 and HTTP/1.1 through ALPN, and the start errors.</summary>
public sealed class TlsProcessTests(TlsGateway tls) : IClassFixture<TlsGateway>
{
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("2.0")]
    [InlineData("1.1")]
    public async Task Https_answers_in_the_version_the_client_asked_for_and_the_app_sees_https(string version)
    {
        using var client = tls.Certificate.ClientFor(tls.Gateway.Port, Version.Parse(version));
        using var response = await client.GetAsync("/whoami");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        using var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("https", seen.RootElement.GetProperty("scheme").GetString());
        Assert.Equal("127.0.0.1", seen.RootElement.GetProperty("ip").GetString());
    }

    [Fact]
    public async Task Many_requests_share_one_http2_connection()
    {
        using var client = tls.Certificate.ClientFor(tls.Gateway.Port, new Version(2, 0));
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync("/whoami")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.All(answers, a => a.Dispose());
    }

    [Fact]
    public void The_start_log_names_the_certificate_and_the_https_address()
    {
        Assert.Contains("HTTPS (HTTP/2 and HTTP/1.1) with CN=robyn-gateway-test", tls.Gateway.Output);
        Assert.Contains($"https://127.0.0.1:{tls.Gateway.Port}", tls.Gateway.Output);
    }

    [Fact]
    public async Task A_missing_key_file_is_exit_code_2_before_python_starts()
    {
        await using var gateway = GatewayProcess.Start("deploy_app.py",
            ["--ssl-certfile", tls.Certificate.CertFile, "--ssl-keyfile", "/nonexistent/key.pem"]);
        Assert.Equal(2, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("error: --ssl-keyfile /nonexistent/key.pem: no such file.", gateway.Output);
        Assert.DoesNotContain("Python 3", gateway.Output);
    }

    [Fact]
    public async Task A_key_that_does_not_match_is_exit_code_1_with_the_reason()
    {
        using var other = TestCertificate.Create();
        await using var gateway = GatewayProcess.Start("deploy_app.py",
            ["--ssl-certfile", tls.Certificate.CertFile, "--ssl-keyfile", other.KeyFile]);
        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains($"error: --ssl-certfile {tls.Certificate.CertFile} with --ssl-keyfile {other.KeyFile}: ", gateway.Output);
        Assert.Contains("Is the key the one the certificate was issued for?", gateway.Output);
    }
}
