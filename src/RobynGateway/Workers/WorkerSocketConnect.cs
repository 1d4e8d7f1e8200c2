using System.Net.Sockets;

namespace RobynGateway.Workers;

/// <summary>
/// How the front's HTTP clients reach a worker: the request's host names the socket
/// (<c>http://w2-1/</c> is <c>w2-1.sock</c> in the front's socket folder). Used as a
/// <see cref="SocketsHttpHandler.ConnectCallback"/> by the forwarder, the readiness probe and the
/// metrics scrape.
/// </summary>
internal static class WorkerSocketConnect
{
    public static async ValueTask<NetworkStream> ConnectAsync(string socketDirectory, string host, CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(socketDirectory, host + ".sock")), cancel)
                .ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
