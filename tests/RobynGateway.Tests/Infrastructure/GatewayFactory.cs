using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// Runs one app from tests/apps through the gateway's real pipeline on ASP.NET's TestServer.
/// All factories of a test run share the process's one interpreter (it can start only once).
/// The app path goes in as host configuration, because settings added later only reach the
/// configuration after Program has built the app (dotnet/aspnetcore#37680).
/// </summary>
public class GatewayFactory(string appFile) : WebApplicationFactory<Program>
{
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Robyn:App"] = TestApps.PathOf(appFile),
        }));
        return base.CreateHost(builder);
    }
}

public sealed class RoutingAppFactory() : GatewayFactory("routing_app.py");
public sealed class HandlersAppFactory() : GatewayFactory("handlers_app.py");
public sealed class HooksAppFactory() : GatewayFactory("hooks_app.py");
public sealed class GlobalHooksAppFactory() : GatewayFactory("global_hooks_app.py");
public sealed class GlobalHeadersAppFactory() : GatewayFactory("global_headers_app.py");
public sealed class ConstAppFactory() : GatewayFactory("const_app.py");
public sealed class AuthAppFactory() : GatewayFactory("auth_app.py");
public sealed class AuthUnconfiguredAppFactory() : GatewayFactory("auth_unconfigured_app.py");
public sealed class StreamingAppFactory() : GatewayFactory("streaming_app.py");
public sealed class FormsAppFactory() : GatewayFactory("forms_app.py");
public sealed class PydanticAppFactory() : GatewayFactory("pydantic_app.py");
public sealed class CookiesDiAppFactory() : GatewayFactory("cookies_di_app.py");
public sealed class SessionsAppFactory() : GatewayFactory("sessions_app.py");
public sealed class ShopExampleFactory() : GatewayFactory("../examples/shop/app.py");

/// <summary>The gateway on real Kestrel, on a free loopback port, in this test process (its one interpreter).</summary>
public class KestrelGatewayFactory : GatewayFactory
{
    public KestrelGatewayFactory(string appFile) : base(appFile)
    {
        UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        Port = new Uri(addresses.First()).Port;
    }

    public int Port { get; }

    /// <summary>ws://127.0.0.1:port + path.</summary>
    public Uri SocketUri(string pathAndQuery) => new($"ws://127.0.0.1:{Port}{pathAndQuery}");

    /// <summary>An HttpClient over real sockets to this server.</summary>
    public HttpClient RealClient() => new() { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
}

public sealed class WebSocketAppFactory() : KestrelGatewayFactory("websocket_app.py");
public sealed class HandlersKestrelFactory() : KestrelGatewayFactory("handlers_app.py");
public sealed class HealthAppFactory() : GatewayFactory("health_app.py");
