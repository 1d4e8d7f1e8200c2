using System.Runtime.InteropServices;

namespace RobynGateway.Python;

// The CPython C-API entry points the gateway uses, bound once from the libpython it loaded
// (PythonRuntime) or from the process that loaded it (the TestClient). The per-request path calls
// them directly (a PyObject_Vectorcall costs ~23 ns; pythonnet's typed calls cost ~210 ns, which is
// why the bridge left it, docs/bridge-protocol.md); the cold path (start, stop, health runs) goes
// through PyHandle. Every call here requires the caller to hold the GIL (callers show it with a
// GilHeld, see Gil.cs), except the start-up functions, which PythonRuntime alone calls before
// there is a GIL, and the thread-state functions, which Gil.cs alone uses to take it.
//
// Every entry keeps the normal GC transition. SuppressGCTransition on the pure getters saved a
// few nanoseconds per call but, mixed with normal calls in methods that Python calls back
// through [UnmanagedCallersOnly] entries, intermittently aborted the process on .NET 10.0.12
// ("attempted to call a UnmanagedCallersOnly method from managed code"; cf. dotnet/runtime#46184).
internal static unsafe class CApi
{
    static bool _bound;
    public static BorrowedRef None { get; private set; }
    public static BorrowedRef True { get; private set; }
    public static BorrowedRef False { get; private set; }

    // Calls that may run Python code. Each signature says who owns what (PyRef.cs): a NewRef
    // result is ours to end; a bare nint item argument (PyTuple_SetItem, PyList_SetItem) is a
    // reference the call steals, so the caller passes NewRef.Steal().
    public static delegate* unmanaged<BorrowedRef, nint*, nuint, nint, NewRef> PyObject_Vectorcall;
    public static delegate* unmanaged<nint, void> Py_DecRef;
    public static delegate* unmanaged<BorrowedRef, NewRef> PyObject_CallNoArgs;
    public static delegate* unmanaged<BorrowedRef, BorrowedRef, NewRef> PyObject_CallOneArg;
    public static delegate* unmanaged<long, NewRef> PyLong_FromLongLong;
    public static delegate* unmanaged<byte*, nint, byte*, NewRef> PyUnicode_DecodeUTF8;
    public static delegate* unmanaged<byte*, nint, NewRef> PyBytes_FromStringAndSize;
    public static delegate* unmanaged<nint, NewRef> PyTuple_New;
    public static delegate* unmanaged<nint, BorrowedRef, nint, NewRef> PyCFunction_NewEx;
    public static delegate* unmanaged<BorrowedRef> PyErr_Occurred;
    public static delegate* unmanaged<void> PyErr_Clear;
    public static delegate* unmanaged<BorrowedRef, byte*, void> PyErr_SetString;
    public static delegate* unmanaged<BorrowedRef, NewRef> PyObject_Str;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_Fetch;
    public static delegate* unmanaged<BorrowedRef, nint, nint, int> PyList_SetItem;

    // The cold path (PyHandle): start, stop, health runs.
    public static delegate* unmanaged<byte*, NewRef> PyImport_ImportModule;
    public static delegate* unmanaged<BorrowedRef, byte*, NewRef> PyObject_GetAttrString;
    public static delegate* unmanaged<BorrowedRef, byte*, BorrowedRef, int> PyObject_SetAttrString;
    public static delegate* unmanaged<BorrowedRef, BorrowedRef, BorrowedRef, NewRef> PyObject_Call;
    public static delegate* unmanaged<BorrowedRef, nint, NewRef> PySequence_GetItem;
    public static delegate* unmanaged<BorrowedRef, NewRef> PyObject_GetIter;
    public static delegate* unmanaged<BorrowedRef, NewRef> PyIter_Next;
    public static delegate* unmanaged<BorrowedRef, int> PyObject_IsTrue;
    public static delegate* unmanaged<nint, NewRef> PyList_New;
    public static delegate* unmanaged<double, NewRef> PyFloat_FromDouble;
    public static delegate* unmanaged<BorrowedRef, double> PyFloat_AsDouble;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_NormalizeException;
    public static delegate* unmanaged<BorrowedRef, BorrowedRef, int> PyException_SetTraceback;
    public static delegate* unmanaged<int> PyGILState_Ensure;
    public static delegate* unmanaged<int, void> PyGILState_Release;

    // Start-up (PythonRuntime), before the interpreter runs: no GIL yet.
    public static delegate* unmanaged<int, void> Py_InitializeEx;
    public static delegate* unmanaged<byte*, nint*, nint> Py_DecodeLocale; // a wchar_t* PyMem_RawMalloc'd
    public static delegate* unmanaged<nint, void> Py_SetProgramName;    // deprecated since 3.11, still in 3.15.0; may go

    // Thread states: one permanent state per Python-running thread we own.
    public static delegate* unmanaged<nint> PyInterpreterState_Main;
    public static delegate* unmanaged<nint, nint> PyThreadState_New;
    public static delegate* unmanaged<nint, void> PyThreadState_Clear;
    public static delegate* unmanaged<void> PyThreadState_DeleteCurrent;
    public static delegate* unmanaged<nint, void> PyEval_RestoreThread;
    public static delegate* unmanaged<nint> PyEval_SaveThread;
    public static delegate* unmanaged<int> PyGILState_Check; // Debug builds' check of GilHeld

    // Getters.
    public static delegate* unmanaged<nint, void> Py_IncRef;
    public static delegate* unmanaged<BorrowedRef, nint, nint, int> PyTuple_SetItem;
    public static delegate* unmanaged<BorrowedRef, nint, BorrowedRef> PyTuple_GetItem;
    public static delegate* unmanaged<BorrowedRef, nint> PyTuple_Size;
    public static delegate* unmanaged<BorrowedRef, long> PyLong_AsLongLong;
    public static delegate* unmanaged<BorrowedRef, byte**, nint*, int> PyBytes_AsStringAndSize;
    public static delegate* unmanaged<BorrowedRef, nint*, byte*> PyUnicode_AsUTF8AndSize;
    public static BorrowedRef PyExc_RuntimeError { get; private set; }
    public static BorrowedRef PyExc_ValueError { get; private set; }

    // Without the GIL, for the watchdog: writes every Python thread's stack to a file descriptor, as
    // faulthandler's own watchdog thread does (CPython's private _Py_DumpTracebackThreads, which
    // 3.11 and 3.12 export; null from 3.13 on, where PythonStacks asks faulthandler instead).
    public static delegate* unmanaged<int, nint, nint, byte*> DumpTracebackThreads;

    /// <summary>
    /// Loads libpython and binds its C-API. The library is loaded RTLD_GLOBAL: extension modules
    /// (_json, uvloop) are not linked against libpython but find its symbols in the process's
    /// global scope, as they do in python3 itself.
    /// </summary>
    public static void Bind(string libraryPath)
    {
        var handle = Dl.Open(libraryPath, Dl.Now | Dl.Global);
        if (handle == 0) throw new DllNotFoundException($"{libraryPath}: {Marshal.PtrToStringUTF8(Dl.Error())}");
        Bind(handle);
    }

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

        PyObject_Vectorcall = (delegate* unmanaged<BorrowedRef, nint*, nuint, nint, NewRef>)F("PyObject_Vectorcall");
        Py_DecRef = (delegate* unmanaged<nint, void>)F("Py_DecRef");
        PyObject_CallNoArgs = (delegate* unmanaged<BorrowedRef, NewRef>)F("PyObject_CallNoArgs");
        PyObject_CallOneArg = (delegate* unmanaged<BorrowedRef, BorrowedRef, NewRef>)F("PyObject_CallOneArg");
        PyLong_FromLongLong = (delegate* unmanaged<long, NewRef>)F("PyLong_FromLongLong");
        PyUnicode_DecodeUTF8 = (delegate* unmanaged<byte*, nint, byte*, NewRef>)F("PyUnicode_DecodeUTF8");
        PyBytes_FromStringAndSize = (delegate* unmanaged<byte*, nint, NewRef>)F("PyBytes_FromStringAndSize");
        PyTuple_New = (delegate* unmanaged<nint, NewRef>)F("PyTuple_New");
        PyCFunction_NewEx = (delegate* unmanaged<nint, BorrowedRef, nint, NewRef>)F("PyCFunction_NewEx");
        PyErr_Occurred = (delegate* unmanaged<BorrowedRef>)F("PyErr_Occurred");
        PyErr_Clear = (delegate* unmanaged<void>)F("PyErr_Clear");
        PyErr_SetString = (delegate* unmanaged<BorrowedRef, byte*, void>)F("PyErr_SetString");
        PyObject_Str = (delegate* unmanaged<BorrowedRef, NewRef>)F("PyObject_Str");
        PyErr_Fetch = (delegate* unmanaged<nint*, nint*, nint*, void>)F("PyErr_Fetch");
        PyList_SetItem = (delegate* unmanaged<BorrowedRef, nint, nint, int>)F("PyList_SetItem");

        PyImport_ImportModule = (delegate* unmanaged<byte*, NewRef>)F("PyImport_ImportModule");
        PyObject_GetAttrString = (delegate* unmanaged<BorrowedRef, byte*, NewRef>)F("PyObject_GetAttrString");
        PyObject_SetAttrString = (delegate* unmanaged<BorrowedRef, byte*, BorrowedRef, int>)F("PyObject_SetAttrString");
        PyObject_Call = (delegate* unmanaged<BorrowedRef, BorrowedRef, BorrowedRef, NewRef>)F("PyObject_Call");
        PySequence_GetItem = (delegate* unmanaged<BorrowedRef, nint, NewRef>)F("PySequence_GetItem");
        PyObject_GetIter = (delegate* unmanaged<BorrowedRef, NewRef>)F("PyObject_GetIter");
        PyIter_Next = (delegate* unmanaged<BorrowedRef, NewRef>)F("PyIter_Next");
        PyObject_IsTrue = (delegate* unmanaged<BorrowedRef, int>)F("PyObject_IsTrue");
        PyList_New = (delegate* unmanaged<nint, NewRef>)F("PyList_New");
        PyFloat_FromDouble = (delegate* unmanaged<double, NewRef>)F("PyFloat_FromDouble");
        PyFloat_AsDouble = (delegate* unmanaged<BorrowedRef, double>)F("PyFloat_AsDouble");
        PyErr_NormalizeException = (delegate* unmanaged<nint*, nint*, nint*, void>)F("PyErr_NormalizeException");
        PyException_SetTraceback = (delegate* unmanaged<BorrowedRef, BorrowedRef, int>)F("PyException_SetTraceback");
        PyGILState_Ensure = (delegate* unmanaged<int>)F("PyGILState_Ensure");
        PyGILState_Release = (delegate* unmanaged<int, void>)F("PyGILState_Release");

        Py_InitializeEx = (delegate* unmanaged<int, void>)F("Py_InitializeEx");
        Py_DecodeLocale = (delegate* unmanaged<byte*, nint*, nint>)F("Py_DecodeLocale");
        if (NativeLibrary.TryGetExport(h, "Py_SetProgramName", out var setProgramName))
            Py_SetProgramName = (delegate* unmanaged<nint, void>)setProgramName;

        PyInterpreterState_Main = (delegate* unmanaged<nint>)F("PyInterpreterState_Main");
        PyThreadState_New = (delegate* unmanaged<nint, nint>)F("PyThreadState_New");
        PyThreadState_Clear = (delegate* unmanaged<nint, void>)F("PyThreadState_Clear");
        PyThreadState_DeleteCurrent = (delegate* unmanaged<void>)F("PyThreadState_DeleteCurrent");
        PyEval_RestoreThread = (delegate* unmanaged<nint, void>)F("PyEval_RestoreThread");
        PyEval_SaveThread = (delegate* unmanaged<nint>)F("PyEval_SaveThread");
        PyGILState_Check = (delegate* unmanaged<int>)F("PyGILState_Check");

        Py_IncRef = (delegate* unmanaged<nint, void>)F("Py_IncRef");
        PyTuple_SetItem = (delegate* unmanaged<BorrowedRef, nint, nint, int>)F("PyTuple_SetItem");
        PyTuple_GetItem = (delegate* unmanaged<BorrowedRef, nint, BorrowedRef>)F("PyTuple_GetItem");
        PyTuple_Size = (delegate* unmanaged<BorrowedRef, nint>)F("PyTuple_Size");
        PyLong_AsLongLong = (delegate* unmanaged<BorrowedRef, long>)F("PyLong_AsLongLong");
        PyBytes_AsStringAndSize = (delegate* unmanaged<BorrowedRef, byte**, nint*, int>)F("PyBytes_AsStringAndSize");
        PyUnicode_AsUTF8AndSize = (delegate* unmanaged<BorrowedRef, nint*, byte*>)F("PyUnicode_AsUTF8AndSize");
        if (NativeLibrary.TryGetExport(h, "_Py_DumpTracebackThreads", out var dump))
            DumpTracebackThreads = (delegate* unmanaged<int, nint, nint, byte*>)dump;

        None = new(F("_Py_NoneStruct"));
        True = new(F("_Py_TrueStruct"));
        False = new(F("_Py_FalseStruct"));
        PyExc_RuntimeError = new(*(nint*)F("PyExc_RuntimeError"));
        PyExc_ValueError = new(*(nint*)F("PyExc_ValueError"));
        _bound = true;
    }

    /// <summary>A new reference to None, for returning from C functions called by Python.</summary>
    public static NewRef NewNone() => None.NewReference();

    /// <summary>A new reference to True or False.</summary>
    public static NewRef NewBool(bool value) => (value ? True : False).NewReference();

    /// <summary>Takes the pending Python exception (if any) and returns its text.</summary>
    public static string TakeErrorText(GilHeld gil)
    {
        // PyErr_Fetch gives three new references (or nulls).
        nint type, value, traceback;
        PyErr_Fetch(&type, &value, &traceback);
        using var typeRef = new NewRef(type);
        using var valueRef = new NewRef(value);
        using var tracebackRef = new NewRef(traceback);
        string text = "unknown Python error";
        var target = value != 0 ? valueRef.Borrow() : typeRef.Borrow();
        if (!target.IsNull)
        {
            using var str = PyObject_Str(target);
            if (!str.IsNull) text = ToManagedString(str.Borrow()) ?? text;
            else PyErr_Clear();
        }
        return text;
    }

    /// <summary>Reads a Python str as .NET string (null when the object is not a str).</summary>
    public static string? ToManagedString(BorrowedRef str)
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

static partial class Dl
{
    public const int Now = 2, Global = 0x100;

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    public static partial nint Error();
}
