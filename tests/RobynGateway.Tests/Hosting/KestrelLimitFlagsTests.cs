using Microsoft.Extensions.Configuration;
using RobynGateway.Hosting;
using RobynGateway.Python;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>
/// --header-timeout, --max-connections, --backlog, --root-path and their variables, and the
/// appsettings.json layer every option with a variable has: parsed, checked, in the right order.
/// </summary>
public sealed class KestrelLimitFlagsTests : TempAppFile
{
    static readonly StartArgs NoCode = new(null, null, null, null, null, null, null, false);

    GatewayOptions Resolve(string[] args, Dictionary<string, string>? environment = null, string? appsettings = null, StartArgs? code = null)
    {
        if (appsettings is not null) File.WriteAllText(Path.Combine(Dir, "appsettings.json"), appsettings);
        var cli = CommandLine.Parse([AppFile, .. args]);
        var config = new ConfigurationBuilder().AddAppFolder(AppFile, "Production").Build();
        var env = AppSettings.Layer(config, RobynEnvFile.Layer(AppFile, name => environment?.GetValueOrDefault(name)));
        return GatewayOptions.FromCommandLine(cli, config, env).WithAppStart(cli, env, code ?? NoCode);
    }

    [Fact]
    public void The_flags_are_read()
    {
        var o = Resolve(["--header-timeout", "4", "--max-connections", "100", "--backlog=64", "--root-path", "/api/", "--keep-alive-timeout", "3"]);
        Assert.Equal(TimeSpan.FromSeconds(4), o.ClientTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), o.KeepAliveTimeout);
        Assert.Equal(100, o.MaxConnections);
        Assert.Equal(64, o.Backlog);
        Assert.Equal("/api", o.RootPath);
    }

    [Fact]
    public void Nothing_given_is_kestrels_defaults_and_no_prefix()
    {
        var o = Resolve([]);
        Assert.Equal(TimeSpan.FromSeconds(30), o.ClientTimeout);
        Assert.Null(o.MaxConnections);
        Assert.Null(o.Backlog);
        Assert.Equal("", o.RootPath);
    }

    [Fact]
    public void Each_has_a_variable()
    {
        var o = Resolve([], new()
        {
            ["ROBYN_HEADER_TIMEOUT"] = "6", ["ROBYN_MAX_CONNECTIONS"] = "7", ["ROBYN_BACKLOG"] = "8", ["ROBYN_ROOT_PATH"] = "shop",
        });
        Assert.Equal((TimeSpan.FromSeconds(6), 7, 8, "/shop"), (o.ClientTimeout, o.MaxConnections, o.Backlog, o.RootPath));
    }

    [Fact]
    public void Robyns_names_for_the_header_timeout_still_work_and_the_new_ones_win()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Resolve(["--client-timeout", "5"]).ClientTimeout);
        Assert.Equal(TimeSpan.FromSeconds(9), Resolve([], new() { ["ROBYN_CLIENT_TIMEOUT"] = "9" }).ClientTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2),
            Resolve([], new() { ["ROBYN_CLIENT_TIMEOUT"] = "9", ["ROBYN_HEADER_TIMEOUT"] = "2" }).ClientTimeout);
        // The app's sys.argv keeps the spelling given.
        Assert.Equal(["--client-timeout", "5"], CommandLine.Parse(["app.py", "--client-timeout", "5"]).AppArgs);
    }

    [Theory]
    [InlineData("--max-connections", "0")]
    [InlineData("--max-connections", "-1")]
    [InlineData("--max-connections", "many")]
    [InlineData("--backlog", "-3")]
    [InlineData("--backlog", "1e3")]
    [InlineData("--backlog", "100000")]
    [InlineData("--header-timeout", "-1")]
    [InlineData("--header-timeout", "slow")]
    [InlineData("--root-path", "/a?b=1")]
    [InlineData("--root-path", "/a//b")]
    public void Bad_values_are_usage_errors_that_name_the_flag(string flag, string value)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["app.py", flag, value]));
        Assert.StartsWith($"{flag} {value}: expected", ex.Message);
    }

    [Fact]
    public void A_bad_variable_is_named_in_the_error()
    {
        var ex = Assert.Throws<UsageException>(() => Resolve([], new() { ["ROBYN_MAX_CONNECTIONS"] = "-2" }));
        Assert.StartsWith("ROBYN_MAX_CONNECTIONS -2: expected a whole number", ex.Message);
    }

    [Fact]
    public void Appsettings_sets_any_option_below_the_environment_and_above_the_code()
    {
        const string settings = """
            {"Robyn": {"Workers": 3, "MaxConnections": 50, "RootPath": "/v1", "HeaderTimeout": 12,
                       "Timeout": 9, "Compression": true, "AccessLog": false, "Port": 9100}}
            """;
        var code = new StartArgs(null, 9000, null, 2, null, null, null, false);
        var o = Resolve([], appsettings: settings, code: code);
        Assert.Equal((3, 50, "/v1", 9100), (o.Workers, o.MaxConnections, o.RootPath, o.Port));
        Assert.Equal((TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(9)), (o.ClientTimeout, o.Timeout));
        Assert.True(o.Compression);
        Assert.False(o.AccessLog);

        var overridden = Resolve(["--workers", "5"], new() { ["ROBYN_MAX_CONNECTIONS"] = "60", ["ROBYN_CLIENT_TIMEOUT"] = "4" },
            settings, code);
        Assert.Equal((5, 60, TimeSpan.FromSeconds(4)), (overridden.Workers, overridden.MaxConnections, overridden.ClientTimeout));
    }

    [Fact]
    public void A_bad_value_in_appsettings_names_the_key_and_the_file()
    {
        var ex = Assert.Throws<UsageException>(() => Resolve([], appsettings: """{"Robyn": {"Backlog": "lots"}}"""));
        Assert.Equal("appsettings.json Robyn:Backlog lots: expected a whole number from 1 to 65535.", ex.Message);
    }

    [Fact]
    public void Help_lists_the_new_flags_with_their_variables()
    {
        foreach (var text in new[] { "--header-timeout", "--client-timeout", "ROBYN_HEADER_TIMEOUT", "--max-connections <N>",
                     "ROBYN_MAX_CONNECTIONS", "--backlog <N>", "ROBYN_BACKLOG", "--root-path <PATH>", "ROBYN_ROOT_PATH", "appsettings.json" })
            Assert.Contains(text, CommandLine.Usage);
    }
}
