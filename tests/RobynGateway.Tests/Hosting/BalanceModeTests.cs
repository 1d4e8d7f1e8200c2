using Microsoft.Extensions.Configuration;
using RobynGateway.Hosting;
using RobynGateway.Python;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>
/// Which --balance mode runs, and the reason the start's banner gives: kernel by default on Linux,
/// front where kernel mode cannot keep a promise (off Linux, --max-connections), and whatever the
/// command line, ROBYN_BALANCE or appsettings' Robyn:Balance asks for, in that order.
/// </summary>
public sealed class BalanceModeTests : TempAppFile
{
    GatewayOptions Resolve(string[] args, Dictionary<string, string>? environment = null, Dictionary<string, string?>? appsettings = null,
        int? codeProcesses = null)
    {
        var cli = CommandLine.Parse([AppFile, .. args]);
        var config = new ConfigurationBuilder().AddInMemoryCollection(appsettings ?? []).Build();
        var env = AppSettings.Layer(config, name => environment?.GetValueOrDefault(name));
        return GatewayOptions.FromCommandLine(cli, config, env).WithAppStart(cli, env, new StartArgs(null, null, codeProcesses, null));
    }

    [Fact]
    public void Kernel_is_the_default_on_linux_and_says_so()
    {
        var o = Resolve(["--processes", "2"]);
        Assert.True(o.KernelBalance);
        Assert.Equal(("kernel", "the default on Linux: the workers accept connections themselves, nothing is proxied"), (o.Balance.Name, o.Balance.Why));
        // app.start(processes=2) gets the same default.
        Assert.True(Resolve([], codeProcesses: 2).KernelBalance);
    }

    [Fact]
    public void Front_is_the_default_off_linux_and_with_max_connections()
    {
        var off = BalanceMode.Choose(null, "", null, linux: false);
        Assert.False(off.Kernel);
        Assert.Contains("off Linux", off.Why);
        var o = Resolve(["--processes", "2", "--max-connections", "100"]);
        Assert.False(o.KernelBalance);
        Assert.Contains("--max-connections", o.Balance.Why);
    }

    [Fact]
    public void The_flag_beats_the_variable_which_beats_appsettings()
    {
        Assert.Equal("--balance front", Resolve(["--processes", "2", "--balance", "front"],
            new() { ["ROBYN_BALANCE"] = "kernel" }).Balance.Why);
        var fromEnv = Resolve(["--processes", "2"], new() { ["ROBYN_BALANCE"] = "front" }, new() { ["Robyn:Balance"] = "kernel" });
        Assert.Equal(("front", "ROBYN_BALANCE=front"), (fromEnv.Balance.Name, fromEnv.Balance.Why));
        Assert.False(Resolve(["--processes", "2"], appsettings: new() { ["Robyn:Balance"] = "front" }).KernelBalance);
        // Asked for explicitly, front stays front with --max-connections too.
        Assert.False(Resolve(["--processes", "2", "--max-connections", "5", "--balance", "front"]).KernelBalance);
    }

    [Fact]
    public void Kernel_asked_for_with_max_connections_is_a_usage_error_that_says_what_to_do()
    {
        var ex = Assert.Throws<UsageException>(() => Resolve(["--processes", "2", "--balance", "kernel", "--max-connections", "100"]));
        Assert.Contains("--max-connections with --balance kernel", ex.Message);
        Assert.Contains("use --balance front, or drop --max-connections", ex.Message);
        // One process has no balance to speak of: no error.
        Assert.Equal(1, Resolve(["--balance", "kernel", "--max-connections", "100"]).Processes);
    }

    [Fact]
    public void A_bad_value_in_appsettings_names_the_key()
    {
        var ex = Assert.Throws<UsageException>(() => Resolve(["--processes", "2"], appsettings: new() { ["Robyn:Balance"] = "nearest" }));
        Assert.Contains("Robyn:Balance", ex.Message);
        Assert.Contains("use front or kernel", ex.Message);
    }
}
