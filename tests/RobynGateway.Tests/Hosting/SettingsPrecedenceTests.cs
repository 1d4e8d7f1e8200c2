using RobynGateway.Hosting;
using RobynGateway.Python;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>
/// The precedence table: the command line, then the environment (the process's, then robyn.env
/// beside the app), then the app's code (app.start(...) and its Config), then the defaults.
/// </summary>
public sealed class SettingsPrecedenceTests : TempAppFile
{
    static readonly Microsoft.Extensions.Configuration.IConfiguration NoConfig =
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();

    GatewayOptions Resolve(string[] args, Dictionary<string, string> environment, StartArgs code)
    {
        var cli = CommandLine.Parse([AppFile, .. args]);
        var env = RobynEnvFile.Layer(AppFile, name => environment.GetValueOrDefault(name));
        return GatewayOptions.FromCommandLine(cli, NoConfig, env).WithAppStart(cli, env, code);
    }

    static readonly StartArgs Code = new("0.0.0.0", 9000, 4, 2, "WARNING", 7, 3, false);

    [Fact]
    public void Code_beats_the_defaults()
    {
        var o = Resolve([], [], Code);
        Assert.Equal(("0.0.0.0", 9000, 4, 2, "WARNING"), (o.Host, o.Port, o.Processes, o.Workers, o.LogLevel));
        Assert.Equal((TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(3)), (o.ClientTimeout, o.KeepAliveTimeout));
    }

    [Fact]
    public void Defaults_are_robyns()
    {
        var o = Resolve([], [], new StartArgs(null, null, null, null));
        Assert.Equal(("127.0.0.1", 8080, 1, 1, "INFO"), (o.Host, o.Port, o.Processes, o.Workers, o.LogLevel));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20)), (o.ClientTimeout, o.KeepAliveTimeout));
        Assert.False(o.OpenBrowser);
        Assert.Equal(GatewayOptions.DefaultMaxPayloadSize, o.MaxPayloadSize);
    }

    [Fact]
    public void The_environment_beats_code()
    {
        var o = Resolve([], new() { ["ROBYN_HOST"] = "10.0.0.1", ["ROBYN_PORT"] = "8001", ["ROBYN_CLIENT_TIMEOUT"] = "11",
            ["ROBYN_KEEP_ALIVE_TIMEOUT"] = "1.5", ["ROBYN_BROWSER_OPEN"] = "True" }, Code);
        Assert.Equal(("10.0.0.1", 8001), (o.Host, o.Port));
        Assert.Equal((TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(1.5)), (o.ClientTimeout, o.KeepAliveTimeout));
        Assert.True(o.OpenBrowser);
    }

    [Fact]
    public void Processes_workers_and_log_level_come_from_the_environment_too_and_beat_code()
    {
        var o = Resolve([], new() { ["ROBYN_PROCESSES"] = "3", ["ROBYN_WORKERS"] = "5", ["ROBYN_LOG_LEVEL"] = "error",
            ["ROBYN_GRACEFUL_TIMEOUT"] = "4", ["ROBYN_COMPRESSION"] = "true" }, Code);
        Assert.Equal((3, 5, "ERROR"), (o.Processes, o.Workers, o.LogLevel));
        Assert.Equal(TimeSpan.FromSeconds(4), o.GracefulTimeout);
        Assert.True(o.Compression);
        var flags = Resolve(["--workers", "2", "--log-level", "debug"], new() { ["ROBYN_WORKERS"] = "5", ["ROBYN_LOG_LEVEL"] = "error" }, Code);
        Assert.Equal((2, "DEBUG"), (flags.Workers, flags.LogLevel));
    }

    [Fact]
    public void A_bad_environment_value_is_a_usage_error_naming_the_variable()
    {
        var ex = Assert.Throws<UsageException>(() => Resolve([], new() { ["ROBYN_WORKERS"] = "0" }, Code));
        Assert.Contains("ROBYN_WORKERS 0", ex.Message);
    }

    [Fact]
    public void The_command_line_beats_the_environment()
    {
        var o = Resolve(["--host", "127.0.0.2", "--port", "8002", "--processes", "3", "--workers", "5", "--log-level", "ERROR",
                "--client-timeout", "12", "--keep-alive-timeout", "13"],
            new() { ["ROBYN_HOST"] = "10.0.0.1", ["ROBYN_PORT"] = "8001", ["ROBYN_CLIENT_TIMEOUT"] = "11", ["ROBYN_KEEP_ALIVE_TIMEOUT"] = "1" },
            Code);
        Assert.Equal(("127.0.0.2", 8002, 3, 5, "ERROR"), (o.Host, o.Port, o.Processes, o.Workers, o.LogLevel));
        Assert.Equal((TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(13)), (o.ClientTimeout, o.KeepAliveTimeout));
    }

    [Fact]
    public void Robyn_env_beside_the_app_fills_what_the_environment_does_not_set()
    {
        File.WriteAllLines(Path.Combine(Dir, "robyn.env"), [
            "# settings", "ROBYN_MAX_PAYLOAD_SIZE=2048", "ROBYN_PORT = 8100", "ROBYN_DEV_MODE=True", "ROBYN_KEEP_ALIVE_TIMEOUT=4",
            "not a setting", "=nameless", "SECRET=a=b"]);
        var o = Resolve([], new() { ["ROBYN_PORT"] = "8200" }, new StartArgs(null, 9000, null, null));
        Assert.Equal(2048, o.MaxPayloadSize);
        Assert.Equal(8200, o.Port); // the process's environment wins over the file
        Assert.True(o.Dev);
        Assert.Equal(TimeSpan.FromSeconds(4), o.KeepAliveTimeout);
        Assert.Equal("a=b", RobynEnvFile.Layer(AppFile, _ => null)("SECRET"));
    }

    [Theory]
    [InlineData("ROBYN_CLIENT_TIMEOUT", "0")]
    [InlineData("ROBYN_KEEP_ALIVE_TIMEOUT", "soon")]
    [InlineData("ROBYN_MAX_PAYLOAD_SIZE", "big")]
    public void Bad_environment_values_are_usage_errors_that_name_the_variable(string name, string value)
    {
        File.WriteAllText(Path.Combine(Dir, "robyn.env"), $"{name}={value}\n");
        var ex = Assert.Throws<UsageException>(() => Resolve([], [], Code));
        Assert.Contains(name, ex.Message);
    }

    [Theory]
    [InlineData(0, null, "processes=0")]
    [InlineData(null, 0.0, "client_timeout=0")]
    public void Bad_values_in_code_are_usage_errors_that_name_the_setting(int? processes, double? clientTimeout, string named)
    {
        var ex = Assert.Throws<UsageException>(() => Resolve([], [], new StartArgs(null, null, processes, null, null, clientTimeout)));
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public void Hang_timeout_defaults_to_30_s_from_the_environment_or_the_flag()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Resolve([], [], Code).HangTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), Resolve([], new() { ["ROBYN_HANG_TIMEOUT"] = "5" }, Code).HangTimeout);
        Assert.Equal(TimeSpan.Zero, Resolve(["--hang-timeout", "0"], new() { ["ROBYN_HANG_TIMEOUT"] = "5" }, Code).HangTimeout);
        var ex = Assert.Throws<UsageException>(() => Resolve([], new() { ["ROBYN_HANG_TIMEOUT"] = "0.1" }, Code));
        Assert.Contains("ROBYN_HANG_TIMEOUT 0.1: expected 0 (off) or a number of seconds from 1 to 86400", ex.Message);
    }
}
