using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
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
