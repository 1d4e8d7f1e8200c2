using RobynGateway.Hosting;

namespace RobynGateway.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void App_path_and_flags_are_read_and_passed_on_to_the_app()
    {
        var cli = CommandLine.Parse(["app.py", "--port", "9000", "--workers=3", "--log-level", "warning", "--custom", "x"]);
        Assert.Equal("app.py", cli.AppPath);
        Assert.Equal(9000, cli.Port);
        Assert.Equal(3, cli.Workers);
        Assert.Equal("WARNING", cli.LogLevel);
        Assert.Equal(["--port", "9000", "--workers", "3", "--log-level", "warning", "--custom", "x"], cli.AppArgs);
    }

    [Fact]
    public void Nothing_given_leaves_everything_open()
    {
        var cli = CommandLine.Parse(["app.py"]);
        Assert.Null(cli.Host);
        Assert.Null(cli.Port);
        Assert.Null(cli.Workers);
        Assert.False(cli.Dev);
    }

    [Theory]
    [InlineData("--port", "http")]
    [InlineData("--port", "70000")]
    [InlineData("--workers", "0")]
    [InlineData("--processes", "-1")]
    [InlineData("--log-level", "LOUD")]
    [InlineData("--graceful-timeout", "soon")]
    [InlineData("--client-timeout", "0")]
    [InlineData("--keep-alive-timeout", "-5")]
    [InlineData("--keep-alive-timeout", "forever")]
    [InlineData("--hang-timeout", "0.5")]
    [InlineData("--hang-timeout", "-1")]
    [InlineData("--hang-timeout", "soon")]
    public void Bad_values_are_usage_errors_that_name_the_flag(string flag, string value)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["app.py", flag, value]));
        Assert.Contains(flag, ex.Message);
    }

    [Fact]
    public void Flag_without_value_is_a_usage_error()
    {
        Assert.Throws<UsageException>(() => CommandLine.Parse(["app.py", "--port"]));
    }

    [Fact]
    public void Hosting_arguments_before_the_app_go_to_aspnet_configuration()
    {
        var cli = CommandLine.Parse(["--environment=Development", "--Robyn:App=/x/app.py"]);
        Assert.Null(cli.AppPath);
        Assert.Equal(["--environment=Development", "--Robyn:App=/x/app.py"], cli.HostingArgs);
    }

    [Fact]
    public void Help_is_recognised()
    {
        Assert.True(CommandLine.Parse(["--help"]).Help);
        Assert.True(CommandLine.Parse(["app.py", "-h"]).Help);
    }

    [Fact]
    public void Timeouts_and_open_browser_are_read_and_passed_on()
    {
        var cli = CommandLine.Parse(["app.py", "--client-timeout", "5", "--keep-alive-timeout=2.5", "--open-browser"]);
        Assert.Equal(5, cli.ClientTimeout);
        Assert.Equal(2.5, cli.KeepAliveTimeout);
        Assert.True(cli.OpenBrowser);
        Assert.Equal(["--client-timeout", "5", "--keep-alive-timeout", "2.5", "--open-browser"], cli.AppArgs);
    }

    [Fact]
    public void Hang_timeout_is_read_and_passed_on_and_0_turns_it_off()
    {
        var cli = CommandLine.Parse(["app.py", "--hang-timeout", "2.5"]);
        Assert.Equal(2.5, cli.HangTimeout);
        Assert.Equal(["--hang-timeout", "2.5"], cli.AppArgs);
        Assert.Equal(0, CommandLine.Parse(["app.py", "--hang-timeout=0"]).HangTimeout);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6390/2", "127.0.0.1", 6390, 2, false)]
    [InlineData("redis://cache", "cache", 6379, 0, false)]
    [InlineData("rediss://:secret@cache:7000/", "cache", 7000, 0, true)]
    public void Broadcast_takes_a_redis_url(string url, string host, int port, int database, bool tls)
    {
        var broadcast = CommandLine.Parse(["app.py", "--broadcast", url]).Broadcast!;
        Assert.Equal((host, port, database, tls), (broadcast.Host, broadcast.Port, broadcast.Database, broadcast.Tls));
        Assert.DoesNotContain("secret", broadcast.ToString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:6379/0", "the scheme must be redis or rediss")]
    [InlineData("127.0.0.1:6379", "not a URL")]
    [InlineData("redis://127.0.0.1:6379/zero", "the database must be a whole number")]
    [InlineData("redis://127.0.0.1:6379/0?timeout=1", "a query or fragment is not read")]
    [InlineData("not a url", "not a URL")]
    public void A_bad_broadcast_url_is_a_usage_error_that_says_what_to_give(string url, string why)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["app.py", "--broadcast", url]));
        Assert.Contains(why, ex.Message);
        Assert.Contains("expected redis://host:port/db", ex.Message);
    }
}
