using Python.Runtime;

namespace RobynGateway.Python;

/// <summary>
/// The one owner of the embedded interpreter. An interpreter can be started once per process and
/// never restarted (re-initialising throws on .NET 10), so this starts it on first use, under a
/// lock, and never shuts it down: Python clean-up (shutdown handlers, the event loop) is driven
/// from the host's stop instead, because pythonnet does not run Py_Finalize.
///
/// After start-up no thread holds the GIL: threads that run Python take it through Gil.cs, with
/// their own permanent thread state (sync workers) or pythonnet's (cold paths), or are Python's
/// own (the event loop), which call in holding it.
/// </summary>
internal static class PythonRuntime
{
    static readonly object Gate = new();
    static PythonInstall? _install;

    /// <summary>The folder holding our `robyn` package; it goes first on sys.path.</summary>
    public static string PackageDirectory => Path.Combine(AppContext.BaseDirectory, "python");

    public static PythonInstall Install => _install ?? throw new InvalidOperationException("Python is not started.");

    public static PythonInstall EnsureStarted(Func<PythonInstall> locate, Action<PythonInstall> announce)
    {
        lock (Gate)
        {
            if (_install is not null) return _install;
            var install = locate();
            announce(install);

            Runtime.PythonDLL = install.LibraryPath;
            // Without ProgramName a pyenv libpython found Debian's stdlib through PATH and crashed,
            // and a virtualenv's site-packages were never added.
            PythonEngine.ProgramName = install.Executable;
            // initSigs: false leaves SIGINT and SIGTERM to .NET, which drains requests first.
            PythonEngine.Initialize(Array.Empty<string>(), setSysArgv: true, initSigs: false);
            using (Gil.Acquire())
            {
                using var sys = Py.Import("sys");
                using var path = sys.GetAttr("path");
                using var dir = new PyString(PackageDirectory);
                path.InvokeMethod("insert", new PyInt(0), dir).Dispose();
            }
            CApi.Bind(install.LibraryPath);
            // Release the GIL held by this thread since Initialize; otherwise every other thread
            // blocks forever on its first call into Python.
            PythonEngine.BeginAllowThreads();
            _install = install;
            return install;
        }
    }

    /// <summary>Writes what Python's sys.stdout and sys.stderr still buffer (before the process replaces its image).</summary>
    public static void FlushStdio()
    {
        if (_install is null) return;
        using var gil = Gil.Acquire();
        using var sys = Py.Import("sys");
        foreach (var name in new[] { "stdout", "stderr" })
        {
            using var stream = sys.GetAttr(name);
            if (!stream.IsNone()) stream.InvokeMethod("flush").Dispose();
        }
    }

    /// <summary>
    /// Attaches to the interpreter of the process that loaded us (the TestClient: python3 hosts .NET
    /// through hostfxr). The caller holds no GIL: ctypes releases it around a call into C#. pythonnet
    /// finds the interpreter initialised, so it only takes the GIL (PyGILState_Ensure on this
    /// thread's own state) and leaves sys.argv and signals alone; the C-API is bound from the
    /// program itself. The GIL is released again before returning, as after <see cref="EnsureStarted"/>.
    /// </summary>
    public static PythonInstall EnsureAttached()
    {
        lock (Gate)
        {
            if (_install is not null) return _install;
            Runtime.PythonDLL = null; // null: resolve from the process, whatever PYTHONNET_PYDLL says
            PythonEngine.Initialize(setSysArgv: false, initSigs: false);
            CApi.BindProcess();
            using (Gil.Acquire())
            {
                using var sys = Py.Import("sys");
                using var info = sys.GetAttr("version_info");
                _install = new PythonInstall(
                    sys.GetAttr("executable").As<string>(),
                    new Version(info[0].As<int>(), info[1].As<int>(), info[2].As<int>()),
                    "(the running process)",
                    sys.GetAttr("prefix").As<string>(),
                    sys.GetAttr("base_prefix").As<string>(),
                    "the process that loaded the gateway");
            }
            PythonEngine.BeginAllowThreads();
            return _install;
        }
    }
}
