using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using RobynGateway.Python;
using RobynGateway.Routing;
using RobynGateway.Http;

namespace RobynGateway.WebSockets;

internal enum SocketEvent { Open = 0, Message = 1, Close = 2 }

/// <summary>
/// The life of one websocket, on Kestrel's side: accept, report OPEN to Python, then read messages
/// one at a time and report each (awaiting Python before reading the next, so a client's messages
/// are handled in order and a slow handler slows only its own client), then report CLOSE exactly
/// once, however the connection ended. One pooled <see cref="PythonCall"/> carries the events and
/// holds the Python session object for the connection's life.
/// </summary>
internal sealed class SocketSession(PythonApp app, WebSocketHub hub, SocketOptions options, GlobalHeaders globals, ILogger log)
{
    /// <summary>Enough for a chat message; bigger messages grow the buffer, which shrinks back after.</summary>
    const int InitialBuffer = 1024;

    public async Task RunAsync(HttpContext context, SocketEndpoint endpoint)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.PingInterval,
            KeepAliveTimeout = options.PingTimeout,
        });
        var connection = new SocketConnection(socket, endpoint, options.MaxQueuedBytes);
        var call = PythonCall.Rent(app, null);
        hub.Add(connection);
        try
        {
            if (!await OpenAsync(context, connection, call)) return;
            var code = await ReceiveAsync(socket, connection, call);
            call.CloseCode = code;
            await ReportAsync(call, connection, SocketEvent.Close, endpoint.CloseOnLoop);
        }
        finally
        {
            hub.Remove(connection);
            connection.RequestClose(WebSocketCloseStatus.NormalClosure, "");
            // The writer ends once the close frame is out, or the socket is gone (bounded by the abort timer).
            try
            {
                await connection.Writer.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                connection.Abort();
            }
            connection.Dispose();
            PythonCall.Return(call); // drops the session object (on a Python thread)
        }
    }

    async Task<bool> OpenAsync(HttpContext context, SocketConnection connection, PythonCall call)
    {
        var request = context.Request;
        call.SocketEndpoint = connection.Endpoint;
        call.SetField(PythonCall.PathField, connection.Id); // an OPEN's path slot carries the connection id
        var query = request.QueryString.Value.AsSpan();
        call.SetField(PythonCall.QueryField, query.IsEmpty ? query : query[1..]);
        RequestReader.WriteHeaders(request.Headers, Observability.RequestIds.Of(context), call, globals);
        RequestReader.WriteClientIp(context.Connection.RemoteIpAddress, call);
        await ReportAsync(call, connection, SocketEvent.Open, connection.Endpoint.OpenOnLoop);
        if (!call.Exchange.IsNull) return true;
        log.LogError("{Endpoint}: opening connection {Id} failed; closing it with 1011", connection.Endpoint, connection.Id);
        connection.RequestClose(WebSocketCloseStatus.InternalServerError, "Internal error");
        return false;
    }

    void TooBig(SocketConnection connection)
    {
        log.LogInformation("{Endpoint}: connection {Id} sent a message over {Max} bytes (ROBYN_MAX_PAYLOAD_SIZE); closing it with 1009",
            connection.Endpoint, connection.Id, options.MaxMessageSize);
        connection.RequestClose(WebSocketCloseStatus.MessageTooBig, $"message too big: the limit is {options.MaxMessageSize} bytes");
    }

    /// <summary>Reads and reports messages until the connection ends; returns the close code for Python.</summary>
    async Task<int> ReceiveAsync(WebSocket socket, SocketConnection connection, PythonCall call)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            while (true)
            {
                var length = 0;
                var tooBig = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length) buffer = Grow(buffer, length);
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), connection.Aborted);
                    length += result.Count;
                    if (length > options.MaxMessageSize)
                    {
                        // Close now rather than at the end of the message, which a client that
                        // fragments forever never reaches; what it sends meanwhile is dropped, and
                        // the close handshake's timeout bounds how long that may go on.
                        if (!tooBig) TooBig(connection);
                        tooBig = true;
                        length = 0;
                    }
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
                    connection.RequestClose(status, ""); // echoes the client's code
                    return (int)status;
                }
                if (tooBig || connection.Closing) continue; // closing: wait for the client's close frame, drop the rest

                Observability.GatewayMeters.MessageReceived(connection.Endpoint.Path);
                call.Body = buffer;
                call.BodyLength = length;
                call.Binary = result.MessageType == WebSocketMessageType.Binary;
                try
                {
                    await ReportAsync(call, connection, SocketEvent.Message, connection.Endpoint.MessageOnLoop);
                }
                finally
                {
                    call.Body = []; // the buffer stays ours
                    call.BodyLength = 0;
                }
                if (buffer.Length > 4 * InitialBuffer) buffer = Shrink(buffer);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ConnectionAbortedException or IOException)
        {
            // The client vanished, broke the protocol, or did not answer our close in time.
            log.LogDebug("{Endpoint}: connection {Id} ended without a close handshake: {Reason}", connection.Endpoint, connection.Id, ex.Message);
            connection.Abort();
            return socket.CloseStatus is { } status ? (int)status : 1006;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Runs one event in Python and waits for it; a failure in the bridge itself closes with 1011.</summary>
    async Task ReportAsync(PythonCall call, SocketConnection connection, SocketEvent socketEvent, bool onLoop)
    {
        call.Event = socketEvent;
        await app.RunStage(call, CallStage.Socket, onLoop);
        if (call.Kind != ResultKind.Error) return;
        log.LogError("{Endpoint}: the {Event} event of connection {Id} failed: {Reason}", connection.Endpoint, socketEvent, connection.Id, call.Aux);
        connection.RequestClose(WebSocketCloseStatus.InternalServerError, "Internal error");
    }

    byte[] Grow(byte[] buffer, int length)
    {
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, options.MaxMessageSize + 1));
        if (bigger.Length <= length)
        {
            // Already at the limit: the next read decides whether the message is too big.
            ArrayPool<byte>.Shared.Return(bigger);
            bigger = ArrayPool<byte>.Shared.Rent(length + 1);
        }
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    static byte[] Shrink(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        return ArrayPool<byte>.Shared.Rent(InitialBuffer);
    }
}

/// <summary>WebSocket settings, from the command line and ROBYN_MAX_PAYLOAD_SIZE.</summary>
internal sealed record SocketOptions(TimeSpan PingInterval, TimeSpan PingTimeout, long MaxMessageSize, long MaxQueuedBytes);
