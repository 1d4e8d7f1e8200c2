using Python.Runtime;

namespace RobynGateway.Python;

// Reading the app: running its file (or attaching to the TestClient's app) and what app.start() asked for.
internal sealed unsafe partial class PythonApp
{
    /// <summary>Runs the app file as __main__ and reads what it registered.</summary>
    public static PythonApp Load(string appPath, IReadOnlyList<string> appArgs, bool dev)
    {
        lock (LoadGate) // sys.argv and os.environ are process-wide
        {
            using (var gil = Gil.Acquire())
            {
                PyConstants.EnsureCreated(gil.Held);
                NativeCallbacks.EnsureCreated(gil.Held);
                try
                {
                    using var os = Py.Import("os");
                    using var environ = os.GetAttr("environ");
                    // Tracebacks in 500 bodies follow --dev alone: a ROBYN_DEV=1 left in the
                    // environment of a production start must not turn them on.
                    if (dev) environ.SetItem("ROBYN_DEV", new PyString("1"));
                    else environ.InvokeMethod("pop", new PyString("ROBYN_DEV"), PyObject.None).Dispose();
                    using var bridge = Py.Import("robyn._bridge");
                    using var argv = new PyList(appArgs.Select(a => (PyObject)new PyString(a)).ToArray());
                    using var complete = PyInterop.Wrap(NativeCallbacks.Complete);
                    using var log = PyInterop.Wrap(NativeCallbacks.Log);
                    var loaded = bridge.InvokeMethod("load", new PyString(appPath), argv, complete, log);
                    return new PythonApp(appPath, loaded, gil.Held);
                }
                catch (PythonException ex)
                {
                    throw new AppLoadException($"Loading {appPath} failed:\n{ex.Format().TrimEnd()}");
                }
            }
        }
    }

    /// <summary>
    /// Reads a Robyn app that already lives in this interpreter (the TestClient's): no file is run,
    /// the app object comes from the caller, borrowed (the caller keeps it alive during this call).
    /// </summary>
    public static PythonApp Attach(BorrowedRef borrowedApp)
    {
        using (var gil = Gil.Acquire())
        {
            PyConstants.EnsureCreated(gil.Held);
            NativeCallbacks.EnsureCreated(gil.Held);
            try
            {
                using var app = PyInterop.Wrap(borrowedApp);
                using var bridge = Py.Import("robyn._bridge");
                using var complete = PyInterop.Wrap(NativeCallbacks.Complete);
                var loaded = bridge.InvokeMethod("attach", app, complete);
                using var path = app.GetAttr("file_path");
                return new PythonApp(path.ToString() ?? "", loaded, gil.Held);
            }
            catch (PythonException ex)
            {
                throw new AppLoadException($"Reading the app failed:\n{ex.Format().TrimEnd()}");
            }
        }
    }

    BorrowedRef Keep(PyObject o)
    {
        _keepAlive.Add(o);
        return PyInterop.Address(o);
    }

    static string? GetText(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsNone() ? null : value.As<string>();
    }

    static double? GetSeconds(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsNone() ? null : value.As<double>();
    }

    static bool GetFlag(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsTrue();
    }

    static int? GetNumber(PyObject dict, string key)
    {
        using var value = dict.InvokeMethod("get", new PyString(key));
        return value.IsNone() ? null : value.As<int>();
    }
}
