using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Workers;

/// <summary>
/// The forwarder's connections go to worker sockets, not TCP: a destination <c>http://w2-1/</c>
/// means the socket <c>w2-1.sock</c> in the front's socket folder.
/// </summary>
internal sealed class UnixSocketForwarderFactory(string socketDirectory) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectCallback = async (connection, cancel) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                var path = Path.Combine(socketDirectory, connection.DnsEndPoint.Host + ".sock");
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancel).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }
}
