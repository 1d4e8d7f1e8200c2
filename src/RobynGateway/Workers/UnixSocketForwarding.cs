using System.Net.Sockets;
using System.Text;
using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Workers;

/// <summary>
/// The forwarder's connections go to worker sockets, not TCP: a destination <c>http://w2-1/</c>
/// means the socket <c>w2-1.sock</c> in the front's socket folder. Each connection's stream tells
/// the retry step whether a request got out (<see cref="TrackingStream"/>).
/// </summary>
internal sealed class UnixSocketForwarderFactory(string socketDirectory) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        // Kestrel in the front decodes request headers as UTF-8 (ASCII being a subset), and a worker's
        // Kestrel does the same; SocketsHttpHandler refuses anything but ASCII unless told. So a
        // header like "X-Name: Zoë" reaches the app as on one process instead of failing with 502.
        handler.RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8;
        handler.ResponseHeaderEncodingSelector = static (_, _) => Encoding.UTF8;
        handler.ConnectCallback = async (connection, cancel) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                var path = Path.Combine(socketDirectory, connection.DnsEndPoint.Host + ".sock");
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancel).ConfigureAwait(false);
                return new TrackingStream(new NetworkStream(socket, ownsSocket: true));
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }
}
