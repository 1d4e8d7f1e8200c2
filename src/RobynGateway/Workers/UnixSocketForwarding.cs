using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RobynGateway.Workers;

/// <summary>
/// The one HTTP client the front forwards with. Its connections go to worker sockets, not TCP: a
/// request to <c>http://w2-1/</c> connects to the socket <c>w2-1.sock</c> in the front's socket
/// folder, and connections are pooled per worker (HTTP/1.1 keep-alive). Each connection's stream
/// tells the retry step whether a request got out (<see cref="TrackingStream"/>).
/// </summary>
internal static class UnixSocketForwarding
{
    public static HttpMessageInvoker CreateClient(string socketDirectory)
    {
        var handler = new SocketsHttpHandler
        {
            // As YARP's own client factory sets it: a proxy passes bodies, cookies and redirects through untouched.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            // No distributed-tracing headers added to every forwarded request (and no Activity work
            // for them); the workers are not separate services to trace.
            ActivityHeadersPropagator = null,
            // Kestrel in the front decodes request headers as UTF-8 (ASCII being a subset), and a worker's
            // Kestrel does the same; SocketsHttpHandler refuses anything but ASCII unless told. So a
            // header like "X-Name: Zoë" reaches the app as on one process instead of failing with 502.
            RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
            ResponseHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
            ConnectCallback = async (connection, cancel) =>
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
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
