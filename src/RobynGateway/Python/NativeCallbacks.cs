using System.Runtime.InteropServices;
using RobynGateway.Hosting;
using Serilog;

namespace RobynGateway.Python;

/// <summary>
/// C functions that Python calls: <c>complete(token, result)</c> when an async handler is done,
/// <c>log(levelno, name, message)</c> for Python logging records, and one <c>drain()</c> per event
/// loop that the loop calls when its wake-up (eventfd or pipe) is readable. They are plain CPython builtins
/// (PyCFunction, METH_FASTCALL) over [UnmanagedCallersOnly] methods, so a call costs about what a
/// call to any C builtin costs. An exception must never unwind into Python: each entry catches all.
/// At the C boundary the entries see bare pointers: the arguments are borrowed from Python, and the
/// result is a new reference Python takes over (NewRef.Steal()), or 0 with an exception set.
/// </summary>
internal static unsafe class NativeCallbacks
{
    const int MethFastCall = 0x0080;

    [StructLayout(LayoutKind.Sequential)]
    struct PyMethodDef
    {
        public byte* Name;
        public void* Method;
        public int Flags;
        public byte* Doc;
    }

    static readonly object Gate = new();
    static nint _drainDef; // PyMethodDef*

    /// <summary>Borrowed-forever references to the shared builtins (created by <see cref="EnsureCreated"/>).</summary>
    public static BorrowedRef Complete { get; private set; }
    public static BorrowedRef Log { get; private set; }

    /// <summary><c>loop_lag(microseconds)</c>: how late the loop ran its lag timer (robyn.loop.lag; metrics on only).</summary>
    public static BorrowedRef LoopLag { get; private set; }

    /// <summary>Creates the shared builtins once.</summary>
    public static void EnsureCreated(GilHeld gil)
    {
        lock (Gate)
        {
            if (!Complete.IsNull) return;
            Complete = new(CApi.PyCFunction_NewEx(Define("complete", &CompleteEntry), default, 0).Steal()); // kept for ever
            Log = new(CApi.PyCFunction_NewEx(Define("log", &LogEntry), default, 0).Steal());
            LoopLag = new(CApi.PyCFunction_NewEx(Define("loop_lag", &LoopLagEntry), default, 0).Steal());
            _drainDef = Define("drain", &DrainEntry);
        }
    }

    /// <summary>A new <c>drain()</c> builtin bound to one bridge (the bridge's GCHandle is its `self`).</summary>
    public static NewRef NewDrain(GCHandle bridge, GilHeld gil)
    {
        using var self = CApi.PyLong_FromLongLong((long)GCHandle.ToIntPtr(bridge));
        return CApi.PyCFunction_NewEx(_drainDef, self.Borrow(), 0);
    }

    /// <summary>A METH_FASTCALL method definition (a PyMethodDef*) for <c>PyCFunction_NewEx</c>.</summary>
    internal static nint Define(string name, delegate* unmanaged<nint, BorrowedRef*, nint, nint> entry)
    {
        // Lives for the life of the process: CPython keeps pointers to the definition.
        var def = (PyMethodDef*)NativeMemory.AllocZeroed((nuint)sizeof(PyMethodDef));
        def->Name = (byte*)Marshal.StringToCoTaskMemUTF8(name);
        def->Method = entry;
        def->Flags = MethFastCall;
        return (nint)def;
    }

    [UnmanagedCallersOnly]
    static nint CompleteEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            var gil = GilHeld.InCallback();
            if (nargs != 2) return RaiseRuntimeError("complete(token, result) takes two arguments");
            var token = CApi.PyLong_AsLongLong(args[0]);
            var handle = GCHandle.FromIntPtr((nint)token);
            var call = (PythonCall)handle.Target!;
            handle.Free();
            call.App.CompleteAsync(args[1], call, gil);
        }
        catch (Exception ex)
        {
            Serilog.Log.Error(ex, "Completing an async call failed");
        }
        return CApi.NewNone().Steal();
    }

    [UnmanagedCallersOnly]
    static nint LogEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            GilHeld.InCallback();
            if (nargs is not (3 or 4)) return RaiseRuntimeError("log(levelno, name, message[, call]) takes three or four arguments");
            var level = LogLevels.FromPython(CApi.PyLong_AsLongLong(args[0]));
            var logger = Serilog.Log.Logger;
            if (logger.IsEnabled(level))
            {
                var name = CApi.ToManagedString(args[1]) ?? "python";
                var message = CApi.ToManagedString(args[2]) ?? "";
                var named = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, name);
                // The request it comes from (JSON logs): on a sync worker the one it runs; on the loop,
                // which runs many at once, the call whose task logged it (robyn._bridge._current_call:
                // a token of a call not yet completed, so its handle is live).
                var token = nargs == 4 ? CApi.PyLong_AsLongLong(args[3]) : 0;
                var call = token > 0 ? GCHandle.FromIntPtr((nint)token).Target as PythonCall : PythonCall.Running;
                if (token == -1) CApi.PyErr_Clear();
                if (call?.RequestId is { } id) named = named.ForContext("RequestId", id);
                if (call?.Span is { } span)
                {
                    // The stage's span, so the record carries its trace and span ids as the gateway's own do.
                    var outer = System.Diagnostics.Activity.Current;
                    System.Diagnostics.Activity.Current = span;
                    named.Write(level, "{PythonMessage:l}", message);
                    System.Diagnostics.Activity.Current = outer;
                }
                else named.Write(level, "{PythonMessage:l}", message);
            }
        }
        catch (Exception ex)
        {
            Serilog.Log.Error(ex, "Forwarding a Python log record failed");
        }
        return CApi.NewNone().Steal();
    }

    [UnmanagedCallersOnly]
    static nint LoopLagEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            GilHeld.InCallback();
            if (nargs != 1) return RaiseRuntimeError("loop_lag(microseconds) takes one argument");
            var microseconds = CApi.PyLong_AsLongLong(args[0]);
            if (microseconds == -1 && !CApi.PyErr_Occurred().IsNull) return 0;
            Observability.GatewayMeters.RecordLoopLag(microseconds / 1e6);
        }
        catch (Exception ex)
        {
            Serilog.Log.Error(ex, "Recording the event loop's lag failed");
        }
        return CApi.NewNone().Steal();
    }

    [UnmanagedCallersOnly]
    static nint DrainEntry(nint self, BorrowedRef* args, nint nargs)
    {
        try
        {
            var gil = GilHeld.InCallback();
            // The bridge outlives its loop (PythonApp.Stop), so a missing one is a bug: say so once
            // per wake-up rather than fail inside Drain.
            if (GCHandle.FromIntPtr((nint)CApi.PyLong_AsLongLong(new BorrowedRef(self))).Target is not AsyncLoopBridge bridge)
                return RaiseRuntimeError("drain() called after its bridge was disposed");
            bridge.Drain(gil);
        }
        catch (Exception ex)
        {
            Serilog.Log.Error(ex, "Draining async calls failed");
        }
        return CApi.NewNone().Steal();
    }

    internal static nint RaiseRuntimeError(string message) => Raise(CApi.PyExc_RuntimeError, message);

    internal static nint RaiseValueError(string message) => Raise(CApi.PyExc_ValueError, message);

    static nint Raise(BorrowedRef type, string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* p = bytes) CApi.PyErr_SetString(type, p);
        return 0;
    }
}
