using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace RobynGateway.Tests.Observability;

/// <summary>
/// An OTLP/HTTP trace receiver for tests: Kestrel on a loopback port, POST /v1/traces, the protobuf
/// body decoded by hand (only the fields the tests check: ids, parent, name, scope).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, string Scope);

    readonly WebApplication _app;
    public ConcurrentQueue<Span> Spans { get; } = new();
    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    OtlpReceiver(WebApplication app, int port) => (_app, Port) = (app, port);

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = Infrastructure.GatewayProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, port);
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var span in Decode(body.ToArray())) receiver.Spans.Enqueue(span);
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits (bounded) until the spans received satisfy <paramref name="enough"/>.</summary>
    public async Task<List<Span>> WaitFor(Func<List<Span>, bool> enough, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!enough([.. Spans]) && DateTime.UtcNow < until) await Task.Delay(100);
        return [.. Spans];
    }

    // ExportTraceServiceRequest{1: ResourceSpans{2: ScopeSpans{1: Scope{1: name}, 2: Span{1 trace, 2 span, 4 parent, 5 name}}}}
    static IEnumerable<Span> Decode(byte[] request)
    {
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1) continue;
            foreach (var (f2, scopeSpans) in Fields(resourceSpans))
            {
                if (f2 != 2) continue;
                var scope = "";
                foreach (var (f3, value) in Fields(scopeSpans))
                {
                    if (f3 == 1) scope = Text(Fields(value), 1);
                    if (f3 != 2) continue;
                    var span = Fields(value).ToList();
                    yield return new Span(Hex(span, 1), Hex(span, 2), Hex(span, 4), Text(span, 5), scope);
                }
            }
        }
    }

    static string Hex(IEnumerable<(int Field, byte[] Value)> fields, int field) =>
        Convert.ToHexStringLower(fields.FirstOrDefault(f => f.Field == field).Value ?? []);

    static string Text(IEnumerable<(int Field, byte[] Value)> fields, int field) =>
        System.Text.Encoding.UTF8.GetString(fields.FirstOrDefault(f => f.Field == field).Value ?? []);

    /// <summary>The length-delimited fields of a message (others are skipped).</summary>
    static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var i = 0;
        var result = new List<(int, byte[])>();
        while (i < message.Length)
        {
            var tag = Varint(message, ref i);
            var (field, type) = ((int)(tag >> 3), (int)(tag & 7));
            switch (type)
            {
                case 0: Varint(message, ref i); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2:
                    var length = (int)Varint(message, ref i);
                    result.Add((field, message[i..(i + length)]));
                    i += length;
                    break;
                default: throw new InvalidDataException($"wire type {type}");
            }
        }
        return result;
    }

    static ulong Varint(byte[] data, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
