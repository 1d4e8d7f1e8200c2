// Bare Kestrel: the upper bound the gateway is compared against in bench/run.sh.
// usage: dotnet BareKestrel.dll [--port PORT] [--host HOST] [--static DIR] [--inline]   (defaults 127.0.0.1:8080)
// /ws/legacy and /ws/echo echo websocket messages. GET /json, /async-json and /hooked/json answer exactly what the gateway answers for
// bench/apps/bench_app.py: 200, Content-Type: application/json, Content-Length: 17, body
// {"hello":"world"} (pre-encoded once; no serializer and no logging per request). /async-sleep
// answers the same after `await Task.Delay(1)`: the ceiling for a handler that waits 1 ms without
// holding a thread. There is no /cpu or /db/users: a C# loop or an ADO.NET query would not be the
// same work as the Python the other servers run, so the bench reports n/a there. With --static,
// /static/* are the files of DIR through ASP.NET Core's StaticFileMiddleware, as the gateway serves
// serve_directory mounts. --inline runs socket work where it completes, as the gateway does by default
// (src/RobynGateway/Hosting/SocketScheduling.cs): the runtime's inline socket completions and Kestrel's
// UnsafePreferInlineScheduling; without it this is Kestrel as an ASP.NET Core app gets it.
using System.Globalization;
using System.Net;

var port = 8080;
var host = IPAddress.Loopback;
string? staticDir = null;
var inline = false;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--port" when value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535:
            port = p;
            i++;
            break;
        case "--host" when value is not null && IPAddress.TryParse(value, out var h):
            host = h;
            i++;
            break;
        case "--static" when value is not null && Directory.Exists(value):
            staticDir = Path.GetFullPath(value);
            i++;
            break;
        case "--inline":
            inline = true;
            break;
        default:
            Console.Error.WriteLine($"error: unexpected argument '{args[i]}'. usage: BareKestrel [--port PORT] [--host IP] [--static DIR] [--inline]");
            return 2;
    }
}

// The runtime reads its switch once, when the first socket is made: before the builder.
if (inline) Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
var builder = WebApplication.CreateSlimBuilder();
if (inline) builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
builder.Logging.ClearProviders();
builder.Logging.AddConsole();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(host, port);
});

var app = builder.Build();
if (staticDir is not null)
    app.UseStaticFiles(new StaticFileOptions
    {
        RequestPath = "/static",
        FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(staticDir),
    });
app.UseWebSockets();
app.Map("/ws/legacy", Echo.Run);
app.Map("/ws/echo", Echo.Run);
app.MapGet("/json", Json.Write);
app.MapGet("/async-json", Json.Write);
app.MapGet("/hooked/json", Json.Write);
app.MapGet("/async-sleep", Json.WriteAfterOneMillisecond);
app.Run();
return 0;

// The websocket echo the gateway's /ws/* endpoints are compared with: each text message is sent back.
static class Echo
{
    public static async Task Run(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
        }
    }
}

static class Json
{
    static readonly byte[] Body = "{\"hello\":\"world\"}"u8.ToArray();

    public static Task Write(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = Body.Length;
        return response.BodyWriter.WriteAsync(Body).AsTask();
    }

    public static async Task WriteAfterOneMillisecond(HttpContext context)
    {
        await Task.Delay(1);
        await Write(context);
    }
}
