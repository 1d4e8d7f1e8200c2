using System.Net;
using System.Net.Sockets;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// An HTTP client whose connections come from another loopback address (127.0.0.2, ...), so a
/// server or proxy on 127.0.0.1 sees a client that is neither itself nor a trusted proxy.
/// </summary>
public static class LoopbackClient
{
    public static HttpClient From(string localAddress, int port)
    {
        var local = IPAddress.Parse(localAddress);
        var handler = new SocketsHttpHandler
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
        return new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }
}
