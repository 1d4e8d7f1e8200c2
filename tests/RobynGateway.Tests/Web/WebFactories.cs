using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Web;

public sealed class StaticAppFactory() : GatewayFactory("static_app.py");
public sealed class CorsAppFactory() : GatewayFactory("cors_app.py");
public sealed class CorsAnyAppFactory() : GatewayFactory("cors_any_app.py");
public sealed class CorsOneAppFactory() : GatewayFactory("cors_one_app.py");
public sealed class PlainCompressionAppFactory() : GatewayFactory("compression_app.py");

/// <summary>compression_app.py with <c>--compression</c>, set through host configuration (the factory passes no command line).</summary>
public sealed class CompressedAppFactory() : GatewayFactory("compression_app.py")
{
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Robyn:Compression"] = "true",
        }));
        return base.CreateHost(builder);
    }
}

/// <summary>static_app.py as a real process with <c>--compression</c>: real Kestrel, its own path normalisation, its log.</summary>
public sealed class StaticAppProcess : IAsyncLifetime
{
    public GatewayProcess Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayProcess.Start("static_app.py", ["--compression"]).WaitReadyAsync();

    /// <summary>SIGTERM, so the app's shutdown handler removes the symlink tree it made in /tmp.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            Gateway.Signal(GatewayProcess.SIGTERM);
            await Gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await Gateway.DisposeAsync(); // SIGKILL if it is still running
        }
    }
}
