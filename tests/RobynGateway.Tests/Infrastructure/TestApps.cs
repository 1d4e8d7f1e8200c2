namespace RobynGateway.Tests.Infrastructure;

/// <summary>The tiny Robyn apps under tests/apps, copied beside the test binaries.</summary>
public static class TestApps
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "apps", file);

    /// <summary>The gateway's own dll, as users run it (dotnet RobynGateway.dll app.py ...).</summary>
    public static string GatewayDll => Path.Combine(AppContext.BaseDirectory, "RobynGateway.dll");
}
