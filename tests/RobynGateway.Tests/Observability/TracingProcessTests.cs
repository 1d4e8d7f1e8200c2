using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Observability;

/// <summary>Traces exported over OTLP/HTTP to a receiver the test runs; parent/child relations checked.</summary>
public sealed class TracingProcessTests
{
    const string ClientTrace = "4bf92f3577b34da6a3ce929d0e0e4736", ClientSpan = "00f067aa0ba902b7";

    static readonly Dictionary<string, string> FastExport = new() { ["OTEL_BSP_SCHEDULE_DELAY"] = "100" };

    static async Task<JsonElement> GetTraced(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{ClientTrace}-{ClientSpan}-01");
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    static string Str(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task One_process_continues_the_clients_trace_with_python_stage_spans()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gateway = await GatewayProcess.Start("observability_app.py",
            ["--otlp-endpoint", receiver.Endpoint], env: FastExport).WaitReadyAsync();

        var seen = await GetTraced(gateway.Client, "/traced/5");
        // The handler's span ends before the request's: they may come in two batches.
        var spans = await receiver.WaitFor(s => s.Any(x => x.Name.StartsWith("python handler", StringComparison.Ordinal))
            && s.Any(x => x.Scope == "Microsoft.AspNetCore"));
        Assert.All(spans, s => Assert.Equal(ClientTrace, s.TraceId));
        var server = Assert.Single(spans, s => s.Scope == "Microsoft.AspNetCore");
        Assert.Equal(ClientSpan, server.ParentSpanId);        // the client's traceparent continues
        var handler = Assert.Single(spans, s => s.Name == "python handler GET /traced/:id");
        Assert.Equal(server.SpanId, handler.ParentSpanId);
        // Python sees the server span: the parent to pass on.
        Assert.Equal(ClientTrace, Str(seen, "trace_id"));
        Assert.Equal(server.SpanId, Str(seen, "span_id"));
        Assert.Equal($"00-{ClientTrace}-{server.SpanId}-01", Str(seen, "traceparent"));

        // Hooks: a span per stage, all children of the request's span.
        var hooked = await GetTraced(gateway.Client, "/hooked");
        spans = await receiver.WaitFor(s => s.Any(x => x.Name.StartsWith("python after_request", StringComparison.Ordinal))
            && s.Any(x => x.SpanId == Str(hooked, "span_id")));
        var hookedServer = Assert.Single(spans, s => s.Scope == "Microsoft.AspNetCore" && s.SpanId == Str(hooked, "span_id"));
        foreach (var stage in new[] { "before_request", "handler", "after_request" })
            Assert.Equal(hookedServer.SpanId, Assert.Single(spans, s => s.Name == $"python {stage} GET /hooked").ParentSpanId);

        // Health probes are not traced.
        await gateway.Client.GetAsync("/__robyn/health/ready");
        await Task.Delay(500);
        Assert.DoesNotContain(receiver.Spans, s => s.Name.Contains("health", StringComparison.Ordinal));
    }

    static Task<GatewayProcess> TwoProcesses(string balance, OtlpReceiver receiver) =>
        GatewayProcess.Start("observability_app.py",
            ["--processes", "2", "--balance", balance, "--otlp-endpoint", receiver.Endpoint, "--no-access-log"], env: FastExport)
            .WaitReadyAsync(TimeSpan.FromSeconds(90));

    /// <summary>Front-only: under --balance front the front's server span and its hop to the worker sit between the client and the worker.</summary>
    [Fact]
    public async Task Front_balance_front_and_worker_of_processes_2_are_one_trace()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gateway = await TwoProcesses("front", receiver);

        var seen = await GetTraced(gateway.Client, "/traced/9");
        var spans = await receiver.WaitFor(s => s.Count(x => x.Scope == "Microsoft.AspNetCore" && x.TraceId == ClientTrace) >= 2
            && s.Any(x => x.Scope.StartsWith("System.Net.Http", StringComparison.Ordinal))
            && s.Any(x => x.Name.StartsWith("python handler", StringComparison.Ordinal)));
        var trace = spans.Where(s => s.TraceId == ClientTrace).ToList();
        var front = Assert.Single(trace, s => s.Scope == "Microsoft.AspNetCore" && s.ParentSpanId == ClientSpan);
        var hop = Assert.Single(trace, s => s.Scope.StartsWith("System.Net.Http", StringComparison.Ordinal) && s.ParentSpanId == front.SpanId);
        var worker = Assert.Single(trace, s => s.Scope == "Microsoft.AspNetCore" && s.ParentSpanId == hop.SpanId);
        var handler = Assert.Single(trace, s => s.Name == "python handler GET /traced/:id");
        Assert.Equal(worker.SpanId, handler.ParentSpanId);
        Assert.Equal(ClientTrace, Str(seen, "trace_id"));
        Assert.Equal(worker.SpanId, Str(seen, "span_id"));
    }

    /// <summary>Under --balance kernel no process stands between: the worker's server span is the client's child.</summary>
    [Fact]
    public async Task Kernel_balance_workers_span_continues_the_clients_trace()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gateway = await TwoProcesses("kernel", receiver);

        var seen = await GetTraced(gateway.Client, "/traced/9");
        var spans = await receiver.WaitFor(s => s.Any(x => x.Scope == "Microsoft.AspNetCore" && x.TraceId == ClientTrace)
            && s.Any(x => x.Name.StartsWith("python handler", StringComparison.Ordinal)));
        var trace = spans.Where(s => s.TraceId == ClientTrace).ToList();
        var worker = Assert.Single(trace, s => s.Scope == "Microsoft.AspNetCore");
        Assert.Equal(ClientSpan, worker.ParentSpanId);
        Assert.DoesNotContain(trace, s => s.Scope.StartsWith("System.Net.Http", StringComparison.Ordinal)); // no hop
        Assert.Equal(worker.SpanId, Assert.Single(trace, s => s.Name == "python handler GET /traced/:id").ParentSpanId);
        Assert.Equal(worker.SpanId, Str(seen, "span_id"));
    }

    [Fact]
    public async Task A_bad_endpoint_is_a_usage_error()
    {
        await using var gateway = GatewayProcess.Start("observability_app.py", ["--otlp-endpoint", "collector:4318"]);
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--otlp-endpoint collector:4318: expected an http:// or https:// address", gateway.Output);
    }
}
