using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RobynGateway.Tests.Web;

/// <summary>
/// Requests whose target goes on the wire exactly as written: HttpClient and Uri would resolve
/// "..", decode "%2e" and turn "\" into "/" before a traversal attempt ever left the client.
/// </summary>
public static class RawHttp
{
    /// <summary>One HTTP/1.1 GET over a socket; returns the status and the whole answer as text.</summary>
    public static async Task<(int Status, string Answer)> GetAsync(int port, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync();
        return (int.Parse(answer.Split(' ', 3)[1]), answer);
    }
}
