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
    public void Idle_thread_pool_workers_spin_briefly_before_they_sleep()
    {
        // CoreCLR doubles the limit on Linux: 20 rounds, 10 busy-waits, then every other round a
        // yield of the core (sched_yield). At the default (70: 140 rounds) the yields cost a
        // quarter of the CPU of an async database route while the loop thread, which makes the
        // pool's work, wanted the core. The busy-waits spare a request that arrives when the pool
        // is idle the wake-up of a sleeping thread (40 % of the req/s of one connection).
        var limit = ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");
        Assert.Equal(10, limit.GetInt32());
    }
}
