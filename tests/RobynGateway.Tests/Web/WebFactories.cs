using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Web;

public sealed class StaticAppFactory() : GatewayFactory("static_app.py");
public sealed class CorsAppFactory() : GatewayFactory("cors_app.py");
public sealed class CorsAnyAppFactory() : GatewayFactory("cors_any_app.py");
public sealed class CorsOneAppFactory() : GatewayFactory("cors_one_app.py");

/// <summary>static_app.py as a real process: real Kestrel, its own path normalisation, its log.</summary>
public sealed class StaticAppProcess : IAsyncLifetime
{
    public GatewayProcess Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayProcess.Start("static_app.py").WaitReadyAsync();

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}
