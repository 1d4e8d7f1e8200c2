using System.Runtime.InteropServices;

namespace RobynGateway.Python;

// The CPython C-API entry points used on the per-request path, bound once from the libpython
// that pythonnet loaded. pythonnet's typed calls cost ~210 ns and its `dynamic` calls ~500 ns;
// a raw PyObject_Vectorcall costs ~23 ns (docs/bridge-protocol.md). Every call here requires
// the caller to hold the GIL, except the thread-state functions, which exist to take it.
//
// Every entry keeps the normal GC transition. SuppressGCTransition on the pure getters saved a
// few nanoseconds per call but, mixed with normal calls in methods that Python calls back
// through [UnmanagedCallersOnly] entries, intermittently aborted the process on .NET 10.0.12
// ("attempted to call a UnmanagedCallersOnly method from managed code"; cf. dotnet/runtime#46184).
internal static unsafe class CApi
{
    static bool _bound;
    public static nint None { get; private set; }
    public static nint True { get; private set; }
    public static nint False { get; private set; }

    // Calls that may run Python code.
    public static delegate* unmanaged<nint, nint*, nuint, nint, nint> PyObject_Vectorcall;
    public static delegate* unmanaged<nint, void> Py_DecRef;
    public static delegate* unmanaged<nint, nint> PyObject_CallNoArgs;
    public static delegate* unmanaged<nint, nint, nint> PyObject_CallOneArg;
    public static delegate* unmanaged<long, nint> PyLong_FromLongLong;
    public static delegate* unmanaged<byte*, nint, byte*, nint> PyUnicode_DecodeUTF8;
    public static delegate* unmanaged<byte*, nint, nint> PyBytes_FromStringAndSize;
    public static delegate* unmanaged<nint, nint> PyTuple_New;
    public static delegate* unmanaged<nint, nint, nint, nint> PyCFunction_NewEx;
    public static delegate* unmanaged<nint> PyErr_Occurred;
    public static delegate* unmanaged<void> PyErr_Clear;
    public static delegate* unmanaged<nint, byte*, void> PyErr_SetString;
    public static delegate* unmanaged<nint, nint> PyObject_Str;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_Fetch;
    public static delegate* unmanaged<nint, nint, nint, int> PyList_SetItem;

    // Thread states: one permanent state per Python-running thread we own.
    public static delegate* unmanaged<nint> PyInterpreterState_Main;
    public static delegate* unmanaged<nint, nint> PyThreadState_New;
    public static delegate* unmanaged<nint, void> PyThreadState_Clear;
    public static delegate* unmanaged<void> PyThreadState_DeleteCurrent;
    public static delegate* unmanaged<nint, void> PyEval_RestoreThread;
    public static delegate* unmanaged<nint> PyEval_SaveThread;

    // Getters.
    public static delegate* unmanaged<nint, void> Py_IncRef;
    public static delegate* unmanaged<nint, nint, nint, int> PyTuple_SetItem;
    public static delegate* unmanaged<nint, nint, nint> PyTuple_GetItem;
    public static delegate* unmanaged<nint, nint> PyTuple_Size;
    public static delegate* unmanaged<nint, long> PyLong_AsLongLong;
    public static delegate* unmanaged<nint, byte**, nint*, int> PyBytes_AsStringAndSize;
    public static delegate* unmanaged<nint, nint*, byte*> PyUnicode_AsUTF8AndSize;
    public static nint PyExc_RuntimeError { get; private set; }
    public static nint PyExc_ValueError { get; private set; }

    // Without the GIL, for the watchdog: writes every Python thread's stack to a file descriptor, as
    // faulthandler's own watchdog thread does (CPython's private _Py_DumpTracebackThreads, which
    // 3.11's libpython exports; null where it is missing, and then a hang is logged without stacks).
    public static delegate* unmanaged<int, nint, nint, byte*> DumpTracebackThreads;

    public static void Bind(string libraryPath) => Bind(NativeLibrary.Load(libraryPath));

    /// <summary>
    /// Binds the C-API of the interpreter this process already runs (the TestClient: python3 hosts
    /// .NET). Its symbols are looked up from the program itself, never from a libpython file:
    /// Debian's /usr/bin/python3 links libpython statically, and loading a second copy would start
    /// a second, uninitialised runtime.
    /// </summary>
    public static void BindProcess() => Bind(NativeLibrary.GetMainProgramHandle());

    static void Bind(nint h)
    {
        if (_bound) return;
        nint F(string name) => NativeLibrary.GetExport(h, name);

        PyObject_Vectorcall = (delegate* unmanaged<nint, nint*, nuint, nint, nint>)F("PyObject_Vectorcall");
        Py_DecRef = (delegate* unmanaged<nint, void>)F("Py_DecRef");
        PyObject_CallNoArgs = (delegate* unmanaged<nint, nint>)F("PyObject_CallNoArgs");
        PyObject_CallOneArg = (delegate* unmanaged<nint, nint, nint>)F("PyObject_CallOneArg");
        PyLong_FromLongLong = (delegate* unmanaged<long, nint>)F("PyLong_FromLongLong");
        PyUnicode_DecodeUTF8 = (delegate* unmanaged<byte*, nint, byte*, nint>)F("PyUnicode_DecodeUTF8");
        PyBytes_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)F("PyBytes_FromStringAndSize");
        PyTuple_New = (delegate* unmanaged<nint, nint>)F("PyTuple_New");
        PyCFunction_NewEx = (delegate* unmanaged<nint, nint, nint, nint>)F("PyCFunction_NewEx");
        PyErr_Occurred = (delegate* unmanaged<nint>)F("PyErr_Occurred");
        PyErr_Clear = (delegate* unmanaged<void>)F("PyErr_Clear");
        PyErr_SetString = (delegate* unmanaged<nint, byte*, void>)F("PyErr_SetString");
        PyObject_Str = (delegate* unmanaged<nint, nint>)F("PyObject_Str");
        PyErr_Fetch = (delegate* unmanaged<nint*, nint*, nint*, void>)F("PyErr_Fetch");
        PyList_SetItem = (delegate* unmanaged<nint, nint, nint, int>)F("PyList_SetItem");

        PyInterpreterState_Main = (delegate* unmanaged<nint>)F("PyInterpreterState_Main");
        PyThreadState_New = (delegate* unmanaged<nint, nint>)F("PyThreadState_New");
        PyThreadState_Clear = (delegate* unmanaged<nint, void>)F("PyThreadState_Clear");
        PyThreadState_DeleteCurrent = (delegate* unmanaged<void>)F("PyThreadState_DeleteCurrent");
        PyEval_RestoreThread = (delegate* unmanaged<nint, void>)F("PyEval_RestoreThread");
        PyEval_SaveThread = (delegate* unmanaged<nint>)F("PyEval_SaveThread");

        Py_IncRef = (delegate* unmanaged<nint, void>)F("Py_IncRef");
        PyTuple_SetItem = (delegate* unmanaged<nint, nint, nint, int>)F("PyTuple_SetItem");
        PyTuple_GetItem = (delegate* unmanaged<nint, nint, nint>)F("PyTuple_GetItem");
        PyTuple_Size = (delegate* unmanaged<nint, nint>)F("PyTuple_Size");
        PyLong_AsLongLong = (delegate* unmanaged<nint, long>)F("PyLong_AsLongLong");
        PyBytes_AsStringAndSize = (delegate* unmanaged<nint, byte**, nint*, int>)F("PyBytes_AsStringAndSize");
        PyUnicode_AsUTF8AndSize = (delegate* unmanaged<nint, nint*, byte*>)F("PyUnicode_AsUTF8AndSize");
        if (NativeLibrary.TryGetExport(h, "_Py_DumpTracebackThreads", out var dump))
            DumpTracebackThreads = (delegate* unmanaged<int, nint, nint, byte*>)dump;

        None = F("_Py_NoneStruct");
        True = F("_Py_TrueStruct");
        False = F("_Py_FalseStruct");
        PyExc_RuntimeError = *(nint*)F("PyExc_RuntimeError");
        PyExc_ValueError = *(nint*)F("PyExc_ValueError");
        _bound = true;
    }

    /// <summary>A new reference to None, for returning from C functions called by Python.</summary>
    public static nint NewNone()
    {
        Py_IncRef(None);
        return None;
    }

    /// <summary>A new reference to True or False.</summary>
    public static nint NewBool(bool value)
    {
        var o = value ? True : False;
        Py_IncRef(o);
        return o;
    }

    /// <summary>Takes the pending Python exception (if any) and returns its text.</summary>
    public static string TakeErrorText()
    {
        nint type, value, traceback;
        PyErr_Fetch(&type, &value, &traceback);
        string text = "unknown Python error";
        var target = value != 0 ? value : type;
        if (target != 0)
        {
            var str = PyObject_Str(target);
            if (str != 0)
            {
                text = ToManagedString(str) ?? text;
                Py_DecRef(str);
            }
            else PyErr_Clear();
        }
        if (type != 0) Py_DecRef(type);
        if (value != 0) Py_DecRef(value);
        if (traceback != 0) Py_DecRef(traceback);
        return text;
    }

    /// <summary>Reads a Python str as .NET string (null when the object is not a str).</summary>
    public static string? ToManagedString(nint str)
    {
        nint size;
        var utf8 = PyUnicode_AsUTF8AndSize(str, &size);
        if (utf8 == null)
        {
            PyErr_Clear();
            return null;
        }
        return System.Text.Encoding.UTF8.GetString(utf8, (int)size);
    }
}
