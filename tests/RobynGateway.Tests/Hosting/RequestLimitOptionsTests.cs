using RobynGateway.Hosting;
using RobynGateway.Python;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary><c>--timeout</c> / ROBYN_TIMEOUT and <c>--max-queue</c> / ROBYN_MAX_QUEUE: defaults, precedence, bad values.</summary>
public sealed class RequestLimitOptionsTests : TempAppFile
{
    GatewayOptions Resolve(string[] args, Dictionary<string, string>? environment = null)
    {
        var cli = CommandLine.Parse([AppFile, .. args]);
        var env = RobynEnvFile.Layer(AppFile, name => environment?.GetValueOrDefault(name));
        return GatewayOptions.FromCommandLine(cli, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), env)
            .WithAppStart(cli, env, new StartArgs(null, null, null, null));
    }

    [Fact]
    public void Defaults_are_thirty_seconds_and_128_waiting_per_worker()
    {
        var o = Resolve([]);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Timeout);
        Assert.Equal((128, 1024), (o.MaxQueue, o.MaxOnLoop));
        var four = Resolve(["--workers", "4"]);
        Assert.Equal((512, 4096), (four.MaxQueue, four.MaxOnLoop));
    }

    [Fact]
    public void The_command_line_beats_the_environment_and_zero_turns_them_off()
    {
        var env = new Dictionary<string, string> { ["ROBYN_TIMEOUT"] = "5", ["ROBYN_MAX_QUEUE"] = "7" };
        var fromEnv = Resolve([], env);
        Assert.Equal((TimeSpan.FromSeconds(5), 7, 56), (fromEnv.Timeout, fromEnv.MaxQueue, fromEnv.MaxOnLoop));
        var fromCli = Resolve(["--timeout", "0.5", "--max-queue=0"], env);
        Assert.Equal((TimeSpan.FromSeconds(0.5), 0, 0), (fromCli.Timeout, fromCli.MaxQueue, fromCli.MaxOnLoop));
        Assert.Equal(TimeSpan.Zero, Resolve(["--timeout", "0"]).Timeout);
    }

    [Theory]
    [InlineData("--timeout", "-1")]
    [InlineData("--timeout", "soon")]
    [InlineData("--timeout", "90000")]
    [InlineData("--max-queue", "-1")]
    [InlineData("--max-queue", "many")]
    public void Bad_values_are_usage_errors_that_name_the_flag(string flag, string value)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["app.py", flag, value]));
        Assert.Contains(flag, ex.Message);
    }

    [Theory]
    [InlineData("ROBYN_TIMEOUT", "-3")]
    [InlineData("ROBYN_MAX_QUEUE", "1.5")]
    public void Bad_environment_values_are_usage_errors_that_name_the_variable(string name, string value)
    {
        var ex = Assert.Throws<UsageException>(() => Resolve([], new Dictionary<string, string> { [name] = value }));
        Assert.Contains(name, ex.Message);
    }
}
