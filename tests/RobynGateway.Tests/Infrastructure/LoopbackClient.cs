using System.Net;
using System.Net.Sockets;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// An HTTP client whose connections come from another loopback address (127.0.0.2, ...), so a
/// server or proxy on 127.0.0.1 sees a client that is neither itself nor a trusted proxy.
/// </summary>
public static class LoopbackClient
{
    public static HttpClient From(string localAddress, int port) =>
        new(Handler(localAddress)) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The handler alone, e.g. for <c>ClientWebSocket.ConnectAsync(uri, new HttpMessageInvoker(handler), ...)</c>.</summary>
    public static SocketsHttpHandler Handler(string localAddress)
    {
        var local = IPAddress.Parse(localAddress);
        return new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
