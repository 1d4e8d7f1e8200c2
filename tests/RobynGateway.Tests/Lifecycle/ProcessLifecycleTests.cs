using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>The gateway as a real process: start-up, stop, exit codes and messages.</summary>
public sealed class ProcessLifecycleTests
{
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task App_from_robyns_getting_started_page_runs_unchanged()
    {
        await using var gateway = await GatewayProcess.Start("robyn_docs_app.py").WaitReadyAsync();
        using var response = await gateway.Client.GetAsync("/");
        Assert.Equal("Hello, world!", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        gateway.Signal(GatewayProcess.SIGINT);
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
    }

    [Fact]
    public async Task Robyns_authentication_example_runs_unchanged_and_guards_its_route()
    {
        await using var gateway = await GatewayProcess.Start("auth_required_app.py").WaitReadyAsync();
        using var refused = await gateway.Client.GetAsync("/auth");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth") { Headers = { { "Authorization", "Bearer valid" } } };
        using var allowed = await gateway.Client.SendAsync(request);
        Assert.Equal("{\"claims\":{\"key\":\"value\"}}", await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Disable_openapi_after_the_app_path_turns_the_docs_routes_off()
    {
        await using var gateway = await GatewayProcess.Start("robyn_docs_app.py", args: ["--disable-openapi"]).WaitReadyAsync();
        Assert.Equal("Hello, world!", await gateway.Client.GetStringAsync("/"));
        using var spec = await gateway.Client.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.NotFound, spec.StatusCode);
        using var docs = await gateway.Client.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.NotFound, docs.StatusCode);
    }

    [Fact]
    public async Task A_const_route_that_fails_at_start_stops_the_start_and_names_the_route()
    {
        await using var gateway = GatewayProcess.Start("const_fails_app.py");
        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("const route GET /broken failed", gateway.Output);
        Assert.Contains("the const handler broke", gateway.Output);
    }

    [Fact]
    public async Task App_guarded_by_a_before_hook_is_served_guarded()
    {
        await using var gateway = await GatewayProcess.Start("guarded_app.py").WaitReadyAsync();
        using var refused = await gateway.Client.GetAsync("/admin/data");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Unauthorized", await refused.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/data") { Headers = { { "X-Token", "secret" } } };
        using var allowed = await gateway.Client.SendAsync(request);
        Assert.Equal("secret data", await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task App_with_a_global_after_hook_gets_its_header_on_every_answer()
    {
        await using var gateway = await GatewayProcess.Start("after_hook_app.py").WaitReadyAsync();
        using var ok = await gateway.Client.GetAsync("/");
        Assert.Equal("ok", await ok.Content.ReadAsStringAsync());
        Assert.Equal("Robyn", Assert.Single(ok.Headers.GetValues("X-Powered-By")));
        using var missing = await gateway.Client.GetAsync("/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("Robyn", Assert.Single(missing.Headers.GetValues("X-Powered-By")));
        Assert.DoesNotContain("not run", gateway.Output);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("0")]
    [InlineData("99999999999")]
    public async Task Bad_payload_limit_is_a_usage_error(string limit)
    {
        await using var gateway = GatewayProcess.Start("lifecycle_app.py",
            env: new Dictionary<string, string> { ["ROBYN_MAX_PAYLOAD_SIZE"] = limit });
        Assert.Equal(2, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains($"ROBYN_MAX_PAYLOAD_SIZE={limit}", gateway.Output);
    }

    [Fact]
    public async Task Help_prints_the_usage_and_exits_0()
    {
        await using var gateway = GatewayProcess.Start("--help", passPort: false);
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("RobynGateway [<app.py>] [options]", gateway.Output);
        Assert.Contains("--workers", gateway.Output);
    }

    [Fact]
    public async Task Startup_handler_finishes_before_the_port_opens()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py").WaitReadyAsync();
        Assert.Equal("{\"started\":true}", await gateway.Client.GetStringAsync("/started"));
        Assert.Contains("startup finished", gateway.Output);
    }

    [Fact]
    public async Task Sigterm_lets_an_in_flight_request_finish_then_runs_shutdown_and_exits_0()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"robyn-shutdown-{Guid.NewGuid():N}");
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py",
            env: new Dictionary<string, string> { ["SHUTDOWN_MARKER"] = marker }).WaitReadyAsync();

        var slow = gateway.Client.GetStringAsync("/slow");
        await Task.Delay(300);
        gateway.Signal(GatewayProcess.SIGTERM);

        Assert.Equal("finished slowly", await slow);
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Equal("shutdown ran", File.ReadAllText(marker));
        File.Delete(marker);
    }

    [Fact]
    public async Task Sigterm_mid_request_lets_a_hooked_request_finish_every_stage()
    {
        await using var gateway = await GatewayProcess.Start("hooks_app.py").WaitReadyAsync();
        var slow = gateway.Client.GetAsync("/api/slow");
        await Task.Delay(300);
        gateway.Signal(GatewayProcess.SIGTERM);

        using var response = await slow;
        Assert.Equal("first;second;", await response.Content.ReadAsStringAsync());
        Assert.Equal("first;second;GET;", Assert.Single(response.Headers.GetValues("x-after")));
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
    }

    [Fact]
    public async Task Drain_is_bounded_by_the_graceful_timeout()
    {
        // Kestrel aborts what is left after the budget and gives aborted connections one more second.
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--graceful-timeout", "0.5"]).WaitReadyAsync();
        var slow = gateway.Client.GetAsync("/very-slow");
        await Task.Delay(300);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        gateway.Signal(GatewayProcess.SIGTERM);
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"stop took {clock.Elapsed} with a 0.5 s drain budget and a 30 s handler"); // not the handler's 30 s
        await Assert.ThrowsAnyAsync<Exception>(() => slow);
    }

    [Fact]
    public async Task Handler_exception_is_logged_once_with_its_traceback_and_not_sent()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py").WaitReadyAsync();
        using var response = await gateway.Client.GetAsync("/raise");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Internal server error", await response.Content.ReadAsStringAsync());
        await Task.Delay(200);
        var output = gateway.Output;
        Assert.Contains("Traceback (most recent call last)", output);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "RuntimeError: lifecycle handler exploded"));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/started")).StatusCode);
    }

    [Fact]
    public async Task Dev_mode_puts_the_traceback_in_the_500()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--dev"]).WaitReadyAsync();
        using var response = await gateway.Client.GetAsync("/raise");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("RuntimeError: lifecycle handler exploded", await response.Content.ReadAsStringAsync());
        Assert.Contains("WRN] RobynGateway: Dev mode (--dev or ROBYN_DEV_MODE): 500 answers carry the Python traceback", gateway.Output);
    }

    [Fact]
    public async Task A_route_that_fails_on_every_request_logs_its_traceback_once_per_window()
    {
        // Without the access log, whose one line per request is meant to grow with the traffic.
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--no-access-log"]).WaitReadyAsync();
        var before = gateway.Output.Length;
        for (var i = 0; i < 200; i++)
        {
            using var response = await gateway.Client.GetAsync("/raise");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        await Task.Delay(200);
        var logged = gateway.Output[before..];
        // One window is 10 s: 200 requests take about a second, two windows on a very slow machine.
        Assert.InRange(System.Text.RegularExpressions.Regex.Matches(logged, "RuntimeError: lifecycle handler exploded").Count, 1, 2);
        Assert.True(logged.Length < 6_000, $"{logged.Length} bytes of log for 200 identical failures");
    }

    [Fact]
    public async Task A_leftover_ROBYN_DEV_in_the_environment_does_not_put_tracebacks_in_500s()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py",
            env: new Dictionary<string, string> { ["ROBYN_DEV"] = "1" }).WaitReadyAsync();
        using var response = await gateway.Client.GetAsync("/raise");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Internal server error", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Active_virtualenv_is_used_with_its_prefix()
    {
        var venv = Path.Combine(Path.GetTempPath(), $"robyn-venv-{Guid.NewGuid():N}");
        var make = System.Diagnostics.Process.Start("/usr/bin/python3", ["-m", "venv", "--without-pip", venv])!;
        await make.WaitForExitAsync();
        Assert.Equal(0, make.ExitCode);
        try
        {
            await using var gateway = await GatewayProcess.Start("lifecycle_app.py",
                env: new Dictionary<string, string> { ["VIRTUAL_ENV"] = venv }).WaitReadyAsync();
            Assert.Contains("chosen by the active virtualenv", gateway.Output);
            var json = await gateway.Client.GetStringAsync("/interpreter");
            Assert.Contains($"\"prefix\":\"{venv}\"", json);
        }
        finally
        {
            Directory.Delete(venv, recursive: true);
        }
    }

    [Fact]
    public async Task Ctrl_c_stops_cleanly()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py").WaitReadyAsync();
        gateway.Signal(GatewayProcess.SIGINT);
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
    }

    [Fact]
    public async Task Startup_handler_that_raises_aborts_with_its_traceback()
    {
        await using var gateway = GatewayProcess.Start("startup_fails_app.py");
        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("ConnectionError: database is unreachable", gateway.Output);
        Assert.Contains("startup", gateway.Output);
    }

    [Fact]
    public async Task Syntax_error_in_the_app_is_one_clear_message()
    {
        await using var gateway = GatewayProcess.Start("syntax_error_app.py");
        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("SyntaxError", gateway.Output);
        Assert.Contains("syntax_error_app.py", gateway.Output);
    }

    [Fact]
    public async Task File_without_an_app_says_so()
    {
        await using var gateway = GatewayProcess.Start("no_app.py");
        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("no Robyn app", gateway.Output);
    }

    [Fact]
    public async Task Missing_app_file_is_a_usage_error()
    {
        await using var gateway = GatewayProcess.Start("/nonexistent/app.py");
        Assert.Equal(2, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("App file not found", gateway.Output);
    }

    [Fact]
    public async Task Port_in_use_is_one_clear_message()
    {
        await using var first = await GatewayProcess.Start("concurrency_app.py").WaitReadyAsync();
        await using var second = GatewayProcess.Start("concurrency_app.py", port: first.Port);
        Assert.Equal(1, await second.WaitForExitAsync(ExitTimeout));
        Assert.Contains("address already in use", second.Output);
        Assert.Contains("--port", second.Output);
        Assert.Equal("quick", await first.Client.GetStringAsync("/async-quick"));
    }

    [Fact]
    public async Task Port_in_use_after_the_startup_handler_runs_the_shutdown_handler_and_exits_cleanly()
    {
        // The startup handler runs before Kestrel binds, so a taken port fails the start with
        // Python's loop running: the app's shutdown handler still runs (a pool it opened is
        // closed), and the loop stops before the runtime goes away under it.
        var marker = Path.Combine(Path.GetTempPath(), $"robyn-shutdown-{Guid.NewGuid():N}");
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using var gateway = GatewayProcess.Start("lifecycle_app.py", port: port,
            env: new Dictionary<string, string> { ["SHUTDOWN_MARKER"] = marker });

        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("startup finished", gateway.Output);
        Assert.Contains("address already in use", gateway.Output);
        Assert.DoesNotContain("Fatal Python error", gateway.Output);
        Assert.Equal("shutdown ran", File.ReadAllText(marker));
        File.Delete(marker);
    }

    [Fact]
    public async Task App_start_arguments_are_honoured_when_the_command_line_is_silent()
    {
        var port = GatewayProcess.FreePort();
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", port: port, passPort: false,
            env: new Dictionary<string, string> { ["APP_START_PORT"] = port.ToString() }).WaitReadyAsync();
        Assert.Equal("{\"started\":true}", await gateway.Client.GetStringAsync("/started"));
    }

    [Fact]
    public async Task Robyn_port_variable_beats_app_start_and_the_flag_beats_both()
    {
        var envPort = GatewayProcess.FreePort();
        await using (var byEnv = await GatewayProcess.Start("lifecycle_app.py", port: envPort, passPort: false,
            env: new Dictionary<string, string> { ["ROBYN_PORT"] = envPort.ToString(), ["APP_START_PORT"] = "1" }).WaitReadyAsync())
        {
            Assert.Equal(HttpStatusCode.OK, (await byEnv.Client.GetAsync("/started")).StatusCode);
        }

        var flagPort = GatewayProcess.FreePort();
        await using var byFlag = await GatewayProcess.Start("lifecycle_app.py", port: flagPort,
            env: new Dictionary<string, string> { ["ROBYN_PORT"] = "1", ["APP_START_PORT"] = "1" }).WaitReadyAsync();
        Assert.Equal(HttpStatusCode.OK, (await byFlag.Client.GetAsync("/started")).StatusCode);
    }

    [Fact]
    public async Task Python_logging_comes_out_through_serilog_with_the_logger_name()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py").WaitReadyAsync();
        Assert.Equal("logged", await gateway.Client.GetStringAsync("/log"));
        await Task.Delay(200);
        Assert.Contains("WRN] lifecycle_app: a warning from python with arguments", gateway.Output);
    }

    [Fact]
    public async Task Log_level_warning_hides_info_records()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--log-level", "WARNING"]).WaitReadyAsync();
        await gateway.Client.GetStringAsync("/log");
        await Task.Delay(200);
        Assert.DoesNotContain("startup finished", gateway.Output);
        Assert.Contains("a warning from python", gateway.Output);
    }

    [Fact]
    public async Task The_chosen_interpreter_is_named_and_python_flag_picks_debians()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py", ["--python", "/usr/bin/python3"]).WaitReadyAsync();
        Assert.Contains("at /usr/bin/python3", gateway.Output);
        Assert.Contains("chosen by --python", gateway.Output);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/started")).StatusCode);
    }

    [Fact]
    public async Task Robyn_python_variable_picks_the_interpreter()
    {
        await using var gateway = await GatewayProcess.Start("lifecycle_app.py",
            env: new Dictionary<string, string> { ["ROBYN_PYTHON"] = "/usr/bin/python3" }).WaitReadyAsync();
        Assert.Contains("chosen by ROBYN_PYTHON", gateway.Output);
    }

    [Fact]
    public async Task Too_old_python_is_refused_with_a_clear_message()
    {
        var fake = Path.Combine(Path.GetTempPath(), $"fake-python-{Guid.NewGuid():N}");
        File.WriteAllText(fake, """
            #!/bin/sh
            echo '{"executable": "/fake/python3.9", "prefix": "/fake", "base_prefix": "/fake", "version": "3.9.18", "libdir": "/fake", "instsoname": "libpython3.9.so.1.0", "ldlibrary": "", "multiarch": "", "shared": 1}'
            """);
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        await using var gateway = GatewayProcess.Start("lifecycle_app.py", ["--python", fake]);
        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("Python 3.9.18", gateway.Output);
        Assert.Contains("3.11 or newer", gateway.Output);
        File.Delete(fake);
    }

    [Fact]
    public async Task Nonexistent_interpreter_is_refused_with_a_clear_message()
    {
        await using var gateway = GatewayProcess.Start("lifecycle_app.py", ["--python", "/no/such/python"]);
        Assert.Equal(1, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("No Python interpreter at '/no/such/python'", gateway.Output);
    }
}
