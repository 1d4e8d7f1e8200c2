using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// A client that misbehaves on the wire, as HttpClient never would: stops mid-body, resets the
/// connection (RST, not FIN) mid-answer, sends a malformed header, gives up a TLS handshake.
/// </summary>
public sealed class RawClient : IDisposable
{
    readonly Socket _socket;
    readonly Stream _stream;
    readonly byte[] _buffer = new byte[64 * 1024];

    RawClient(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>Connects; with <paramref name="tls"/>, completes a TLS handshake first (any certificate accepted).</summary>
    public static async Task<RawClient> ConnectAsync(int port, bool tls = false)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (tls)
        {
            var secure = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
            await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            });
            stream = secure;
        }
        return new RawClient(socket, stream);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>What arrives until <paramref name="until"/> is in it, the peer closes, or the time is up.</summary>
    public async Task<string> ReceiveAsync(string until, TimeSpan timeout)
    {
        var seen = new StringBuilder();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (!seen.ToString().Contains(until, StringComparison.Ordinal))
            {
                var n = await _stream.ReadAsync(_buffer, cancel.Token);
                if (n == 0) break;
                seen.Append(Encoding.UTF8.GetString(_buffer, 0, n));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
        }
        return seen.ToString();
    }

    /// <summary>What arrives until the peer closes (or resets) the connection; Closed is false if the time ran out first.</summary>
    public async Task<(string Text, bool Closed)> ReceiveUntilClosedAsync(TimeSpan timeout)
    {
        var seen = new StringBuilder();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var n = await _stream.ReadAsync(_buffer, cancel.Token);
                if (n == 0) return (seen.ToString(), true);
                seen.Append(Encoding.UTF8.GetString(_buffer, 0, n));
            }
        }
        catch (OperationCanceledException)
        {
            return (seen.ToString(), false);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            return (seen.ToString(), true); // reset
        }
    }

    /// <summary>Closes with a TCP reset: what a killed client or a dropped mobile connection looks like.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }

    /// <summary>Starts a TLS handshake (a real ClientHello) and resets the connection before it completes.</summary>
    public static async Task AbortTlsHandshakeAsync(int port)
    {
        using var raw = await ConnectAsync(port);
        using var tls = new SslStream(new StopAfterHello(raw._stream), leaveInnerStreamOpen: true, (_, _, _, _) => true);
        try
        {
            await tls.AuthenticateAsClientAsync("localhost").WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // expected: the hello went out and the reply is never read
        }
        raw.Reset();
    }

    /// <summary>Lets the ClientHello out, then fails the client's first read.</summary>
    sealed class StopAfterHello(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("handshake given up");
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("handshake given up"));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);
    }
}
