using System.Text.Json;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.WebSockets;

/// <summary>What tests/apps/websocket_app.py recorded (GET /events), one "endpoint event id ..." string each.</summary>
public static class SocketEvents
{
    public static async Task<List<string>> ReadAsync(KestrelGatewayFactory factory)
    {
        using var http = factory.RealClient();
        var json = await http.GetStringAsync("/events");
        return JsonSerializer.Deserialize<JsonElement[][]>(json)!
            .Select(e => string.Join(' ', e.Select(x => x.ToString()))).ToList();
    }
}
