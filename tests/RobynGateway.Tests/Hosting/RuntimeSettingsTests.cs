using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>
/// The .NET runtime settings the gateway ships in its runtimeconfig.json (the csproj's
/// RuntimeHostConfigurationOption items), read from the build the process tests run
/// (TestApps.GatewayDll's folder), as `dotnet RobynGateway.dll` reads them at start.
/// </summary>
public sealed class RuntimeSettingsTests
{
    static JsonElement ConfigProperties()
    {
        var path = Path.ChangeExtension(TestApps.GatewayDll, ".runtimeconfig.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void Idle_thread_pool_workers_sleep_at_once_instead_of_spinning()
    {
        // Spinning idle workers cost a quarter of the CPU of an async database route (sched_yield
        // in the pool's semaphore while the loop thread, which makes their work, wants the core).
        var limit = ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");
        Assert.Equal(0, limit.GetInt32());
    }
}
