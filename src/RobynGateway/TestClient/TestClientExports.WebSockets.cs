using System.Runtime.InteropServices;

namespace RobynGateway.TestClient;

/// <summary>
/// The TestClient's websocket entry points (<c>client.websocket_connect(path)</c>), with the same
/// rules as the request ones: called with the GIL released, they block the caller, never unwind
/// into native code, and return 0 or an error code with a message. A socket is a GCHandle to its
/// <see cref="TestSocket"/>, valid from WsOpen until WsClose.
/// </summary>
internal static unsafe partial class TestClientExports
{
    /// <summary>
    /// <c>int robyn_ws_open(void* client, char* target, char* headers, long headers_length, int timeout_ms,
    /// void** socket, char** error)</c>
    /// </summary>
    [UnmanagedCallersOnly]
    static int WsOpen(nint client, byte* target, byte* headers, long headersLength, int timeoutMs, nint* socket, nint* error)
    {
        try
        {
            var host = (TestHost)GCHandle.FromIntPtr(client).Target!;
            var opened = host.ConnectWebSocket(
                Marshal.PtrToStringUTF8((nint)target)!,
                WireFormat.ReadHeaders(new ReadOnlySpan<byte>(headers, checked((int)headersLength))),
                TimeSpan.FromMilliseconds(timeoutMs));
            *socket = GCHandle.ToIntPtr(GCHandle.Alloc(opened));
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(ex, error);
        }
    }

    /// <summary><c>int robyn_ws_send(void* socket, int binary, char* data, long length, int timeout_ms, char** error)</c></summary>
    [UnmanagedCallersOnly]
    static int WsSend(nint socket, int binary, byte* data, long length, int timeoutMs, nint* error)
    {
        try
        {
            var opened = (TestSocket)GCHandle.FromIntPtr(socket).Target!;
            opened.Send(binary != 0, new ReadOnlySpan<byte>(data, checked((int)length)).ToArray(), TimeSpan.FromMilliseconds(timeoutMs));
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(ex, error);
        }
    }

    /// <summary>
    /// <c>int robyn_ws_receive(void* socket, int timeout_ms, void** message, long* message_length)</c>: the
    /// message is <c>[int32 kind: 0 text, 1 binary, 2 close][int32 close code][payload]</c> (a close's
    /// payload is its reason); once closed, every call returns the close again.
    /// </summary>
    [UnmanagedCallersOnly]
    static int WsReceive(nint socket, int timeoutMs, nint* message, long* messageLength)
    {
        try
        {
            var opened = (TestSocket)GCHandle.FromIntPtr(socket).Target!;
            var received = opened.Receive(TimeSpan.FromMilliseconds(timeoutMs));
            *message = WireFormat.AllocMessage((int)received.Kind, received.CloseCode, received.Payload, out var length);
            *messageLength = length;
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(ex, message);
        }
    }

    /// <summary><c>int robyn_ws_close(void* socket, int code, char* reason, int timeout_ms, char** error)</c>: the handle is freed.</summary>
    [UnmanagedCallersOnly]
    static int WsClose(nint socket, int code, byte* reason, int timeoutMs, nint* error)
    {
        var handle = GCHandle.FromIntPtr(socket);
        try
        {
            ((TestSocket)handle.Target!).Close(code, Marshal.PtrToStringUTF8((nint)reason) ?? "", TimeSpan.FromMilliseconds(timeoutMs));
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(ex, error);
        }
        finally
        {
            handle.Free();
        }
    }
}
