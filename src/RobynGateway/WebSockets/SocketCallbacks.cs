using System.Runtime.InteropServices;
using System.Text;
using RobynGateway.Python;

namespace RobynGateway.WebSockets;

/// <summary>
/// The C functions robyn.ws calls to reach its connections (docs/bridge-protocol.md, "WebSockets"):
/// <c>send(id, str|bytes) -> bool</c>, <c>close(id, code, reason) -> bool</c>,
/// <c>broadcast(endpoint, str|bytes) -> int</c>, <c>ids(endpoint) -> tuple[str]</c>. Each is a
/// builtin bound to one app's hub (its GCHandle is the builtin's `self`), called with the GIL held
/// from a sync worker or the loop: they only queue, never wait. A str goes out as a text frame, bytes
/// as a binary frame.
/// </summary>
internal static unsafe class SocketCallbacks
{
    static readonly object Gate = new();
    static nint _send, _close, _broadcast, _ids; // PyMethodDef*, made once

    /// <summary>New references to the four builtins, bound to <paramref name="hub"/>.</summary>
    public static NewRef[] Create(GCHandle hub, GilHeld gil)
    {
        lock (Gate)
        {
            if (_send == 0)
            {
                _send = NativeCallbacks.Define("send", &SendEntry);
                _close = NativeCallbacks.Define("close", &CloseEntry);
                _broadcast = NativeCallbacks.Define("broadcast", &BroadcastEntry);
                _ids = NativeCallbacks.Define("ids", &IdsEntry);
            }
        }
        using var self = CApi.PyLong_FromLongLong((long)GCHandle.ToIntPtr(hub));
        var functions = new NewRef[4];
        var defs = new[] { _send, _close, _broadcast, _ids };
        for (var i = 0; i < defs.Length; i++) functions[i] = CApi.PyCFunction_NewEx(defs[i], self.Borrow(), 0);
        return functions;
    }

    static WebSocketHub? Hub(nint self) => GCHandle.FromIntPtr((nint)CApi.PyLong_AsLongLong(new BorrowedRef(self))).Target as WebSocketHub;

    [UnmanagedCallersOnly]
    static nint SendEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            GilHeld.InCallback();
            if (nargs != 2) return NativeCallbacks.RaiseRuntimeError("send(id, message) takes two arguments");
            if (!TryPayload(args[1], out var data, out var length, out var binary)) return 0;
            Span<char> id = stackalloc char[64];
            var hub = Hub(self);
            return CApi.NewBool(hub is not null && TryId(args[0], id, out var n)
                && hub.SendTo(id[..n], new ReadOnlySpan<byte>(data, (int)length), binary)).Steal();
        }
        catch (MessageTooLargeException ex)
        {
            return NativeCallbacks.RaiseValueError(ex.Message);
        }
        catch (Exception ex)
        {
            return NativeCallbacks.RaiseRuntimeError($"send failed: {ex.Message}");
        }
    }

    [UnmanagedCallersOnly]
    static nint CloseEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            GilHeld.InCallback();
            if (nargs != 3) return NativeCallbacks.RaiseRuntimeError("close(id, code, reason) takes three arguments");
            Span<char> id = stackalloc char[64];
            var hub = Hub(self);
            var known = TryId(args[0], id, out var n);
            var code = CApi.PyLong_AsLongLong(args[1]);
            if (code is < 1000 or > 4999)
            {
                CApi.PyErr_Clear();
                return NativeCallbacks.RaiseRuntimeError($"close code {code}: expected 1000-4999");
            }
            var reason = CApi.ToManagedString(args[2]) ?? "";
            return CApi.NewBool(hub is not null && known && hub.Close(id[..n], (System.Net.WebSockets.WebSocketCloseStatus)code, reason)).Steal();
        }
        catch (Exception ex)
        {
            return NativeCallbacks.RaiseRuntimeError($"close failed: {ex.Message}");
        }
    }

    [UnmanagedCallersOnly]
    static nint BroadcastEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            GilHeld.InCallback();
            if (nargs != 2) return NativeCallbacks.RaiseRuntimeError("broadcast(endpoint, message) takes two arguments");
            var hub = Hub(self);
            var endpoint = (int)CApi.PyLong_AsLongLong(args[0]);
            if (!TryPayload(args[1], out var data, out var length, out var binary)) return 0;
            var sent = hub?.Broadcast(endpoint, new ReadOnlySpan<byte>(data, (int)length), binary) ?? 0;
            return CApi.PyLong_FromLongLong(sent).Steal();
        }
        catch (MessageTooLargeException ex)
        {
            return NativeCallbacks.RaiseValueError(ex.Message);
        }
        catch (Exception ex)
        {
            return NativeCallbacks.RaiseRuntimeError($"broadcast failed: {ex.Message}");
        }
    }

    [UnmanagedCallersOnly]
    static nint IdsEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            GilHeld.InCallback();
            if (nargs != 1) return NativeCallbacks.RaiseRuntimeError("ids(endpoint) takes one argument");
            var hub = Hub(self);
            var endpoint = (int)CApi.PyLong_AsLongLong(args[0]);
            var ids = hub?.Ids(endpoint) ?? [];
            var tuple = CApi.PyTuple_New(ids.Count);
            for (var i = 0; i < ids.Count; i++)
                CApi.PyTuple_SetItem(tuple.Borrow(), i, PyConstants.Str(ids[i]).Steal());
            return tuple.Steal();
        }
        catch (Exception ex)
        {
            return NativeCallbacks.RaiseRuntimeError($"ids failed: {ex.Message}");
        }
    }

    /// <summary>A Python id (a str of at most 64 bytes) as chars; false for anything else.</summary>
    static bool TryId(BorrowedRef id, Span<char> chars, out int length)
    {
        nint size;
        var utf8 = CApi.PyUnicode_AsUTF8AndSize(id, &size);
        if (utf8 == null || size > 64)
        {
            CApi.PyErr_Clear();
            length = 0;
            return false;
        }
        length = Encoding.UTF8.GetChars(new ReadOnlySpan<byte>(utf8, (int)size), chars);
        return true;
    }

    /// <summary>A str's UTF-8 (a text frame) or a bytes object's content (a binary frame); else raises TypeError.</summary>
    static bool TryPayload(BorrowedRef message, out byte* data, out nint length, out bool binary)
    {
        nint size;
        var utf8 = CApi.PyUnicode_AsUTF8AndSize(message, &size);
        if (utf8 != null)
        {
            data = utf8;
            length = size;
            binary = false;
            return true;
        }
        CApi.PyErr_Clear();
        byte* bytes;
        if (CApi.PyBytes_AsStringAndSize(message, &bytes, &size) == 0)
        {
            data = bytes;
            length = size;
            binary = true;
            return true;
        }
        CApi.PyErr_Clear();
        data = null;
        length = 0;
        binary = false;
        NativeCallbacks.RaiseRuntimeError("a websocket message must be str or bytes");
        return false;
    }
}
