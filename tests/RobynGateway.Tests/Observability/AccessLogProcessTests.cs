using System.Net;
using System.Text;
using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Observability;

/// <summary>The access log and <c>--log-format json</c> on real gateway processes (tests/apps/observability_app.py).</summary>
public sealed class AccessLogProcessTests
{
    internal static List<JsonElement> JsonLines(string output) =>
        output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>Waits (bounded) until the output has a line that satisfies <paramref name="found"/>.</summary>
    internal static async Task<string> WaitForOutput(GatewayProcess gateway, Func<string, bool> found)
    {
        for (var i = 0; i < 100 && !found(gateway.Output); i++) await Task.Delay(100);
        return gateway.Output;
    }

    static async Task<HttpResponseMessage> Get(HttpClient client, string path, string? id = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (id is not null) request.Headers.Add("X-Request-ID", id);
        return await client.SendAsync(request);
    }

    static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "";

    [Fact]
    public async Task Json_lines_carry_every_field_and_pythons_records_carry_the_request_id()
    {
        await using var gateway = await GatewayProcess.Start("observability_app.py", ["--log-format", "json"]).WaitReadyAsync();
        (await Get(gateway.Client, "/users/7?x=1", "acc-1")).EnsureSuccessStatusCode();
        (await gateway.Client.PostAsync("/orders", new StringContent("""{"item": "book"}""", Encoding.UTF8, "application/json")))
            .EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.InternalServerError, (await Get(gateway.Client, "/boom", "boom-1")).StatusCode);
        // Every record asserted below: the access lines and the Python records come from different threads.
        var output = await WaitForOutput(gateway, o => o.Contains("the handler failed") && o.Contains("order placed: book")
            && o.Split('\n').Count(l => l.Contains("RobynGateway.AccessLog")) >= 3);

        var lines = JsonLines(output);
        Assert.All(lines, l => Assert.EndsWith("Z", Str(l, "@t"))); // ISO 8601 UTC
        Assert.All(lines, l => Assert.True(DateTimeOffset.TryParse(Str(l, "@t"), out _)));
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(Str(l, "@m"))));

        var access = lines.Where(l => Str(l, "SourceContext") == "RobynGateway.AccessLog").ToList();
        var user = Assert.Single(access, l => Str(l, "RequestPath") == "/users/7");
        Assert.Equal("GET", Str(user, "RequestMethod"));
        Assert.Equal("/users/:id", Str(user, "Route"));
        Assert.Equal(200, user.GetProperty("StatusCode").GetInt32());
        Assert.True(user.GetProperty("ResponseBytes").GetInt64() > 0);
        Assert.True(user.GetProperty("Elapsed").GetDouble() > 0);
        Assert.True(user.GetProperty("PythonMs").GetDouble() > 0);
        Assert.True(user.GetProperty("WaitMs").GetDouble() >= 0);
        Assert.True(user.GetProperty("PythonMs").GetDouble() <= user.GetProperty("Elapsed").GetDouble());
        Assert.Equal("127.0.0.1", Str(user, "ClientAddress"));
        Assert.Equal("acc-1", Str(user, "RequestId"));
        Assert.Equal("-", Str(user, "Worker"));
        // The rendered line reads as the text one does: no quotes around each value.
        Assert.StartsWith("127.0.0.1 \"GET /users/7\" 200 ", Str(user, "@m"));
        Assert.EndsWith(" route /users/:id id acc-1", Str(user, "@m"));
        Assert.False(user.TryGetProperty("@l", out _)); // Information: compact JSON leaves the level out

        // The app's own logger, from a sync handler, with the request's id.
        var order = Assert.Single(lines, l => Str(l, "@m") == "order placed: book");
        Assert.Equal("shop.orders", Str(order, "SourceContext"));
        var orderAccess = Assert.Single(access, l => Str(l, "RequestPath") == "/orders");
        Assert.Equal(Str(orderAccess, "RequestId"), Str(order, "RequestId"));
        Assert.Matches("^[0-9a-f]{32}$", Str(order, "RequestId"));

        // The handler's failure: an Error record with its traceback, tied to the request.
        var failure = Assert.Single(lines, l => Str(l, "@l") == "Error" && Str(l, "@m").Contains("the handler failed"));
        Assert.Equal("boom-1", Str(failure, "RequestId"));
        Assert.Equal(500, Assert.Single(access, l => Str(l, "RequestPath") == "/boom").GetProperty("StatusCode").GetInt32());
    }

    [Fact]
    public async Task Records_from_async_handlers_and_hooks_carry_their_own_requests_id_and_trace()
    {
        // Tracing on (to a port nobody listens on: only the ids matter here), so records carry @tr/@sp.
        await using var gateway = await GatewayProcess.Start("observability_app.py",
            ["--log-format", "json", "--otlp-endpoint", $"http://127.0.0.1:{GatewayProcess.FreePort()}"]).WaitReadyAsync();
        const string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        // Eight at once: their records interleave on the one event loop, each must name its own request.
        var orders = Enumerable.Range(0, 8).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/async-orders")
            {
                Content = new StringContent($$"""{"item": "item-{{i}}"}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Request-ID", $"async-{i}");
            request.Headers.Add("traceparent", $"00-{trace}-00f067aa0ba902b7-01");
            (await gateway.Client.SendAsync(request)).EnsureSuccessStatusCode();
        });
        await Task.WhenAll(orders);
        (await Get(gateway.Client, "/audited?who=eve", "hook-1")).EnsureSuccessStatusCode();
        var output = await WaitForOutput(gateway, o => o.Split('\n').Count(l => l.Contains("async order placed")) == 8
            && o.Contains("audit after the await eve"));

        var lines = JsonLines(output);
        for (var i = 0; i < 8; i++)
        {
            foreach (var message in new[] { $"async order received: item-{i}", $"async order placed: item-{i}" })
            {
                var record = Assert.Single(lines, l => Str(l, "@m") == message);
                Assert.Equal($"async-{i}", Str(record, "RequestId"));
                Assert.Equal(trace, Str(record, "@tr")); // the client's trace, continued
                Assert.Matches("^[0-9a-f]{16}$", Str(record, "@sp"));
            }
        }
        foreach (var message in new[] { "audit before eve", "audit after the await eve" })
        {
            var record = Assert.Single(lines, l => Str(l, "@m") == message);
            Assert.Equal("hook-1", Str(record, "RequestId"));
            Assert.Matches("^[0-9a-f]{32}$", Str(record, "@tr"));
        }
    }

    [Fact]
    public async Task Text_lines_by_default_and_none_with_no_access_log()
    {
        await using var gateway = await GatewayProcess.Start("observability_app.py").WaitReadyAsync();
        (await Get(gateway.Client, "/async/ann", "txt-1")).EnsureSuccessStatusCode();
        var output = await WaitForOutput(gateway, o => o.Contains("txt-1"));
        var line = Assert.Single(output.Split('\n'), l => l.Contains("RobynGateway.AccessLog"));
        Assert.Contains("INF]", line);
        Assert.Contains("127.0.0.1 \"GET /async/ann\" 200", line);
        Assert.Contains("route /async/:name id txt-1", line);
        Assert.Matches(@"in \d+\.\d{3} ms \(Python \d+\.\d{3} ms, wait \d+\.\d{3} ms\)", line);
        // The gateway's own answers count their bytes too ("Not found": 9), never "-1 B".
        Assert.Equal(HttpStatusCode.NotFound, (await Get(gateway.Client, "/nowhere", "txt-404")).StatusCode);
        output = await WaitForOutput(gateway, o => o.Contains("txt-404"));
        Assert.Contains("127.0.0.1 \"GET /nowhere\" 404 9 B in ", Assert.Single(output.Split('\n'), l => l.Contains("txt-404")));

        await using var quiet = await GatewayProcess.Start("observability_app.py", ["--no-access-log"]).WaitReadyAsync();
        (await Get(quiet.Client, "/users/1", "quiet-1")).EnsureSuccessStatusCode();
        await Task.Delay(500);
        Assert.DoesNotContain("RobynGateway.AccessLog", quiet.Output);
    }

    [Fact]
    public async Task The_environment_turns_it_off_and_a_bad_value_is_a_usage_error()
    {
        await using var quiet = await GatewayProcess.Start("observability_app.py",
            env: new Dictionary<string, string> { ["ROBYN_ACCESS_LOG"] = "false", ["ROBYN_LOG_FORMAT"] = "json" }).WaitReadyAsync();
        (await Get(quiet.Client, "/users/1", "env-1")).EnsureSuccessStatusCode();
        await Task.Delay(500);
        Assert.DoesNotContain("RobynGateway.AccessLog", quiet.Output);
        Assert.NotEmpty(JsonLines(quiet.Output));

        await using var bad = GatewayProcess.Start("observability_app.py", ["--log-format", "xml"]);
        Assert.Equal(2, await bad.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--log-format xml: use text or json.", bad.Output);
    }

    [Fact]
    public async Task An_appsettings_serilog_section_beside_the_app_is_honoured()
    {
        var folder = Directory.CreateTempSubdirectory("robyn-obs-");
        try
        {
            File.Copy(TestApps.PathOf("observability_app.py"), Path.Combine(folder.FullName, "app.py"));
            File.WriteAllText(Path.Combine(folder.FullName, "appsettings.json"),
                """{"Serilog": {"MinimumLevel": {"Override": {"shop.orders": "Warning"}}}}""");
            await using var gateway = await GatewayProcess.Start(Path.Combine(folder.FullName, "app.py")).WaitReadyAsync();
            (await gateway.Client.PostAsync("/orders", new StringContent("""{"item": "pen"}""", Encoding.UTF8, "application/json")))
                .EnsureSuccessStatusCode();
            var output = await WaitForOutput(gateway, o => o.Contains("\"POST /orders\""));
            Assert.Contains("\"POST /orders\" 200", output);
            Assert.DoesNotContain("order placed", output); // shop.orders raised to Warning by the file
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Under_processes_each_request_is_logged_once_by_the_worker_that_ran_it()
    {
        await using var gateway = await GatewayProcess.Start("observability_app.py", ["--processes", "2", "--log-format", "json"])
            .WaitReadyAsync(TimeSpan.FromSeconds(90));
        for (var i = 0; i < 4; i++) (await Get(gateway.Client, $"/users/{i}", $"multi-{i}")).EnsureSuccessStatusCode();
        var output = await WaitForOutput(gateway, o => Enumerable.Range(0, 4).All(i => o.Contains($"multi-{i}\"")));
        var access = JsonLines(output).Where(l => Str(l, "SourceContext") == "RobynGateway.AccessLog").ToList();
        for (var i = 0; i < 4; i++)
        {
            var line = Assert.Single(access, l => Str(l, "RequestId") == $"multi-{i}");
            Assert.Equal("/users/:id", Str(line, "Route"));
            Assert.Matches("^[0-9]+$", Str(line, "Worker"));
            Assert.Equal("127.0.0.1", Str(line, "ClientAddress"));
        }
        // The front probes each worker every second: those are not requests anyone sent, and are not logged at INFO.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.DoesNotContain(JsonLines(gateway.Output), l => Str(l, "SourceContext") == "RobynGateway.AccessLog"
            && Str(l, "RequestPath").Contains("/__robyn/health", StringComparison.Ordinal));
    }
}
