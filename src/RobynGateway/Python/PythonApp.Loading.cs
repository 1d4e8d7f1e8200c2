namespace RobynGateway.Python;

// Reading the app: running its file (or attaching to the TestClient's app) and what app.start() asked for.
internal sealed unsafe partial class PythonApp
{
    /// <summary>Runs the app file as __main__ and reads what it registered.</summary>
    public static PythonApp Load(string appPath, IReadOnlyList<string> appArgs, bool dev)
    {
        lock (LoadGate) // sys.argv and os.environ are process-wide
        {
            using var scope = Gil.Acquire();
            var gil = scope.Held;
            PyConstants.EnsureCreated(gil);
            NativeCallbacks.EnsureCreated(gil);
            try
            {
                using var os = PyHandle.Import("os", gil);
                using var environ = os.GetAttr("environ", gil);
                // Tracebacks in 500 bodies follow --dev alone: a ROBYN_DEV=1 left in the
                // environment of a production start must not turn them on.
                if (dev) environ.CallMethod("__setitem__", gil, "ROBYN_DEV", "1").Dispose();
                else environ.CallMethod("pop", gil, "ROBYN_DEV", null).Dispose();
                using var bridge = PyHandle.Import("robyn._bridge", gil);
                using var argv = PyHandle.List(gil, appArgs.ToArray<object?>());
                var loaded = bridge.CallMethod("load", gil, appPath, argv, NativeCallbacks.Complete, NativeCallbacks.Log);
                return new PythonApp(appPath, loaded, gil);
            }
            catch (PythonError ex)
            {
                throw new AppLoadException($"Loading {appPath} failed:\n{ex.Format().TrimEnd()}");
            }
        }
    }

    /// <summary>
    /// Reads a Robyn app that already lives in this interpreter (the TestClient's): no file is run,
    /// the app object comes from the caller, borrowed (the caller keeps it alive during this call).
    /// </summary>
    public static PythonApp Attach(BorrowedRef borrowedApp)
    {
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        PyConstants.EnsureCreated(gil);
        NativeCallbacks.EnsureCreated(gil);
        try
        {
            using var app = PyHandle.Borrow(borrowedApp, gil);
            using var bridge = PyHandle.Import("robyn._bridge", gil);
            var loaded = bridge.CallMethod("attach", gil, app, NativeCallbacks.Complete);
            using var path = app.GetAttr("file_path", gil);
            return new PythonApp(path.Str(gil), loaded, gil);
        }
        catch (PythonError ex)
        {
            throw new AppLoadException($"Reading the app failed:\n{ex.Format().TrimEnd()}");
        }
    }

    /// <summary>Keeps <paramref name="o"/> for the app's life (released at stop) and lends it.</summary>
    BorrowedRef Keep(PyHandle o)
    {
        _keepAlive.Add(o);
        return o.Ref;
    }

    static string? GetText(PyHandle dict, string key, GilHeld gil)
    {
        using var value = dict.CallMethod("get", gil, key);
        return value.IsNone ? null : value.Text(gil);
    }

    static double? GetSeconds(PyHandle dict, string key, GilHeld gil)
    {
        using var value = dict.CallMethod("get", gil, key);
        return value.IsNone ? null : value.Double(gil);
    }

    static bool GetFlag(PyHandle dict, string key, GilHeld gil)
    {
        using var value = dict.CallMethod("get", gil, key);
        return value.Truth(gil);
    }

    static int? GetNumber(PyHandle dict, string key, GilHeld gil)
    {
        using var value = dict.CallMethod("get", gil, key);
        return value.IsNone ? null : value.Int(gil);
    }
}
