using RobynGateway.Hosting;

namespace RobynGateway.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void App_path_and_flags_are_read_and_passed_on_to_the_app()
    {
        var cli = CommandLine.Parse(["app.py", "--port", "9000", "--workers=3", "--log-level", "warning", "--custom", "x"]);
        Assert.Equal("app.py", cli.AppPath);
        Assert.Equal(9000, cli.Get(GatewayFlags.Port));
        Assert.Equal(3, cli.Get(GatewayFlags.Workers));
        Assert.Equal("WARNING", cli.Get(GatewayFlags.LogLevel));
        Assert.Equal(["--port", "9000", "--workers", "3", "--log-level", "warning", "--custom", "x"], cli.AppArgs);
    }

    [Fact]
    public void Nothing_given_leaves_everything_open()
    {
        var cli = CommandLine.Parse(["app.py"]);
        Assert.Null(cli.Get(GatewayFlags.Host));
        Assert.Null(cli.Get(GatewayFlags.Port));
        Assert.Null(cli.Get(GatewayFlags.Workers));
        Assert.False(cli.Get(GatewayFlags.Dev));
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
        Assert.Equal(5, cli.Get(GatewayFlags.HeaderTimeout));
        Assert.Equal(2.5, cli.Get(GatewayFlags.KeepAliveTimeout));
        Assert.True(cli.Get(GatewayFlags.OpenBrowser));
        Assert.Equal(["--client-timeout", "5", "--keep-alive-timeout", "2.5", "--open-browser"], cli.AppArgs);
    }

    [Fact]
    public void Hang_timeout_is_read_and_passed_on_and_0_turns_it_off()
    {
        var cli = CommandLine.Parse(["app.py", "--hang-timeout", "2.5"]);
        Assert.Equal(2.5, cli.Get(GatewayFlags.HangTimeout));
        Assert.Equal(["--hang-timeout", "2.5"], cli.AppArgs);
        Assert.Equal(0, CommandLine.Parse(["app.py", "--hang-timeout=0"]).Get(GatewayFlags.HangTimeout));
    }

    [Theory]
    [InlineData("--prot", "--port")]
    [InlineData("--wokers", "--workers")]
    [InlineData("--log-levl", "--log-level")]
    [InlineData("--graceful-timout", "--graceful-timeout")]
    public void A_mistyped_option_before_the_app_is_an_error_with_a_suggestion(string typed, string meant)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse([typed, "1", "app.py"]));
        Assert.Contains($"Unknown option {typed}: did you mean {meant}?", ex.Message);
    }

    [Fact]
    public void Any_unknown_option_before_the_app_is_an_error()
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["--frobnicate", "app.py"]));
        Assert.Contains("Unknown option --frobnicate", ex.Message);
        Assert.Throws<UsageException>(() => CommandLine.Parse(["--frobnicate=1", "app.py"]));
    }

    [Theory]
    [InlineData("--prot", "--port")]
    [InlineData("--wrokers", "--workers")]
    [InlineData("--max-queu", "--max-queue")]
    [InlineData("--proceses=2", "--processes")]
    public void A_mistyped_option_after_the_app_is_an_error_that_says_how_to_pass_it_on(string typed, string meant)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["app.py", typed, "9001"]));
        Assert.Contains($"did you mean {meant}?", ex.Message);
        Assert.Contains("RobynGateway app.py -- ", ex.Message);
    }

    [Fact]
    public void Robyns_flags_and_the_apps_own_go_to_the_app()
    {
        var cli = CommandLine.Parse(["app.py", "--fast", "--disable-openapi", "--my-setting", "v", "--workers", "2", "extra"]);
        Assert.Equal(["--fast", "--disable-openapi", "--my-setting", "v", "--workers", "2", "extra"], cli.AppArgs);
        Assert.Equal(["--fast", "--disable-openapi", "--my-setting", "v", "extra"], cli.PassThrough);
        Assert.Equal(["--workers", "2"], cli.GatewayArgs);
        Assert.Equal(2, cli.Get(GatewayFlags.Workers));
    }

    [Fact]
    public void Everything_after_a_double_dash_is_the_apps()
    {
        var cli = CommandLine.Parse(["app.py", "--port", "1", "--", "--prot", "9", "--workers", "3"]);
        Assert.Equal(1, cli.Get(GatewayFlags.Port));
        Assert.Null(cli.Get(GatewayFlags.Workers));
        Assert.Equal(["--port", "1", "--prot", "9", "--workers", "3"], cli.AppArgs);
        Assert.Equal(["--prot", "9", "--workers", "3"], cli.PassThrough);
    }

    [Fact]
    public void Options_may_come_before_the_app_path()
    {
        var cli = CommandLine.Parse(["--workers", "2", "--dev", "app.py", "x"]);
        Assert.Equal("app.py", cli.AppPath);
        Assert.Equal(2, cli.Get(GatewayFlags.Workers));
        Assert.True(cli.Get(GatewayFlags.Dev));
        Assert.Equal(["--workers", "2", "--dev", "x"], cli.AppArgs);
    }

    [Fact]
    public void Version_is_recognised_and_says_which()
    {
        Assert.True(CommandLine.Parse(["--version"]).Version);
        Assert.True(CommandLine.Parse(["app.py", "--version"]).Version);
        Assert.Matches(@"^RobynGateway \d+\.\d+\.\d+ \(Robyn 0\.88\.0 API", CommandLine.VersionText);
    }

    [Fact]
    public void Every_option_has_an_environment_variable_listed_in_help()
    {
        foreach (var flag in GatewayFlags.All.Where(f => !f.Internal))
        {
            Assert.NotNull(flag.Env);
            Assert.Contains(flag.Name, CommandLine.Usage);
            Assert.Contains(flag.Env, CommandLine.Usage);
        }
        Assert.DoesNotContain("--worker-socket", CommandLine.Usage);
    }

    [Fact]
    public void The_environment_fills_what_the_command_line_left_open()
    {
        var env = new Dictionary<string, string> { ["ROBYN_WORKERS"] = "4", ["ROBYN_PORT"] = "7000", ["ROBYN_DEV_MODE"] = "TRUE" };
        var cli = CommandLine.Parse(["app.py", "--port", "9000"]);
        Assert.Equal(9000, cli.Setting(GatewayFlags.Port, env.GetValueOrDefault));
        Assert.Equal(4, cli.Setting(GatewayFlags.Workers, env.GetValueOrDefault));
        Assert.True(cli.Setting(GatewayFlags.Dev, env.GetValueOrDefault));
        Assert.Null(cli.Setting(GatewayFlags.Timeout, env.GetValueOrDefault));
    }

    [Fact]
    public void A_worker_ignores_the_environment_of_the_fronts_own_options()
    {
        var env = new Dictionary<string, string> { ["ROBYN_PROCESSES"] = "4", ["ROBYN_SSL_CERTFILE"] = "c.pem", ["ROBYN_WORKERS"] = "3" };
        var worker = CommandLine.Parse(["app.py", "--worker-socket", "/tmp/w.sock"]);
        Assert.Null(worker.Setting(GatewayFlags.Processes, env.GetValueOrDefault));
        Assert.Null(worker.Setting(GatewayFlags.SslCertFile, env.GetValueOrDefault));
        Assert.Equal(3, worker.Setting(GatewayFlags.Workers, env.GetValueOrDefault));
    }

    [Fact]
    public void A_worker_gets_the_shared_options_and_the_apps_arguments_back_unchanged()
    {
        var front = CommandLine.Parse(["app.py", "--processes", "2", "--workers=3", "--ssl-certfile", "c.pem", "--timeout", "5",
            "--my-flag", "--", "--prot", "1"]);
        var launch = RobynGateway.Workers.WorkerLaunch.For(["/opt/gw/RobynGateway"], "/srv/app.py", front.GatewayArgs,
            front.PassThrough, "/usr/bin/python3");
        // The program from the front's plan, as given: never the front's own image (a NativeAOT front cannot run Python).
        Assert.Equal("/opt/gw/RobynGateway", launch.FileName);
        var args = launch.Arguments("/tmp/w.sock", 0).ToList();
        Assert.Equal("/srv/app.py", args[0]);
        var worker = CommandLine.Parse(args);
        Assert.Equal("/srv/app.py", worker.AppPath);
        Assert.Equal((3, 5.0), (worker.Get(GatewayFlags.Workers), worker.Get(GatewayFlags.Timeout)));
        Assert.Null(worker.Get(GatewayFlags.Processes));
        Assert.Null(worker.Get(GatewayFlags.SslCertFile));
        Assert.Equal("/tmp/w.sock", worker.Get(GatewayFlags.WorkerSocket));
        Assert.Equal(["--my-flag", "--prot", "1"], worker.PassThrough);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6390/2", "127.0.0.1", 6390, 2, false)]
    [InlineData("redis://cache", "cache", 6379, 0, false)]
    [InlineData("rediss://:secret@cache:7000/", "cache", 7000, 0, true)]
    public void Broadcast_takes_a_redis_url(string url, string host, int port, int database, bool tls)
    {
        var cli = CommandLine.Parse(["app.py", "--broadcast", url]);
        var broadcast = RobynGateway.Broadcast.BroadcastUrl.Parse(cli.Get(GatewayFlags.Broadcast)!, "--broadcast");
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
