using System.Net;
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
    public static HttpMessageInvoker CreateClient(string socketDirectory, bool propagateTraces)
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
            // Trace headers only while traces are exported (the worker's server span is then the
            // child of the front's hop); otherwise no Activity work for every forwarded request.
            ActivityHeadersPropagator = propagateTraces ? System.Diagnostics.DistributedContextPropagator.Current : null,
            // Kestrel in the front decodes request headers as UTF-8 (ASCII being a subset), and a worker's
            // Kestrel does the same; SocketsHttpHandler refuses anything but ASCII unless told. So a
            // header like "X-Name: Zoë" reaches the app as on one process instead of failing with 502.
            RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
            ResponseHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
            ConnectCallback = async (connection, cancel) => new TrackingStream(
                await WorkerSocketConnect.ConnectAsync(socketDirectory, connection.DnsEndPoint.Host, cancel).ConfigureAwait(false)),
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
