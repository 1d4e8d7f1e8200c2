namespace RobynGateway.Python;

/// <summary>
/// The one owner of the embedded interpreter. An interpreter can be started once per process and
/// never restarted (re-initialising throws on .NET 10), so this starts it on first use, under a
/// lock, and never shuts it down: Python clean-up (shutdown handlers, the event loop) is driven
/// from the host's stop instead, and Py_Finalize never runs (threads we do not own, the loop's
/// among them, may still be inside Python when the process exits).
///
/// After start-up no thread holds the GIL: threads that run Python take it through Gil.cs, with
/// their own permanent thread state (sync workers) or PyGILState's (cold paths), or are Python's
/// own (the event loop), which call in holding it.
/// </summary>
internal static class PythonRuntime
{
    static readonly object Gate = new();
    static PythonInstall? _install;

    /// <summary>
    /// The folder holding our `robyn` package; it goes first on sys.path. It lies beside the program,
    /// or one folder up for the NativeAOT image, which lives in a folder of its own inside the build
    /// (Workers/FrontExec.NativeImageFolder).
    /// </summary>
    public static string PackageDirectory
    {
        get
        {
            var beside = Path.Combine(AppContext.BaseDirectory, "python");
            var above = Path.Combine(AppContext.BaseDirectory, "..", "python");
            return !Directory.Exists(beside) && Directory.Exists(above) ? Path.GetFullPath(above) : beside;
        }
    }

    public static PythonInstall Install => _install ?? throw new InvalidOperationException("Python is not started.");

    public static PythonInstall EnsureStarted(Func<PythonInstall> locate, Action<PythonInstall> announce)
    {
        lock (Gate)
        {
            if (_install is not null) return _install;
            var install = locate();
            announce(install);

            CApi.Bind(install.LibraryPath);
            unsafe
            {
                // Without the program name a pyenv libpython found Debian's stdlib through PATH
                // and crashed, and a virtualenv's site-packages were never added: Python finds its
                // prefix (and pyvenv.cfg) from it, as when python3 itself starts.
                var name = System.Text.Encoding.UTF8.GetBytes(install.Executable + "\0");
                fixed (byte* utf8 = name)
                {
                    var wide = CApi.Py_DecodeLocale(utf8, null); // kept: Python reads it for its whole life
                    if (wide != 0 && CApi.Py_SetProgramName != null) CApi.Py_SetProgramName(wide);
                }
                // 0: no signal handlers, so SIGINT and SIGTERM stay .NET's, which drains requests first.
                CApi.Py_InitializeEx(0);
            }
            // The thread that initialised the interpreter holds the GIL until it saves its state.
            var gil = GilHeld.Checked();
            using (var sys = PyHandle.Import("sys", gil))
            {
                // As python3 -c: an argv of one empty string until the bridge sets the app's own.
                using (var argv = PyHandle.List(gil, ""))
                    sys.SetAttr("argv", argv, gil);
                using var path = sys.GetAttr("path", gil);
                path.CallMethod("insert", gil, 0, PackageDirectory).Dispose();
            }
            // Release the GIL held by this thread since start-up; otherwise every other thread
            // blocks forever on its first call into Python.
            unsafe { CApi.PyEval_SaveThread(); }
            _install = install;
            return install;
        }
    }

    /// <summary>Writes what Python's sys.stdout and sys.stderr still buffer (before the process replaces its image).</summary>
    public static void FlushStdio()
    {
        if (_install is null) return;
        using var gil = Gil.Acquire();
        using var sys = PyHandle.Import("sys", gil.Held);
        foreach (var name in new[] { "stdout", "stderr" })
        {
            using var stream = sys.GetAttr(name, gil.Held);
            if (!stream.IsNone) stream.CallMethod("flush", gil.Held).Dispose();
        }
    }

    /// <summary>
    /// Attaches to the interpreter of the process that loaded us (the TestClient: python3 hosts .NET
    /// through hostfxr). The caller holds no GIL: ctypes releases it around a call into C#. The
    /// interpreter is running, so this only binds its C-API from the program itself and reads what
    /// it is; sys.argv and signals are the process's.
    /// </summary>
    public static PythonInstall EnsureAttached()
    {
        lock (Gate)
        {
            if (_install is not null) return _install;
            CApi.BindProcess();
            using (var scope = Gil.Acquire())
            {
                var gil = scope.Held;
                using var sys = PyHandle.Import("sys", gil);
                using var info = sys.GetAttr("version_info", gil);
                using var executable = sys.GetAttr("executable", gil);
                using var prefix = sys.GetAttr("prefix", gil);
                using var basePrefix = sys.GetAttr("base_prefix", gil);
                _install = new PythonInstall(
                    executable.Text(gil),
                    new Version(info.IntAt(0, gil), info.IntAt(1, gil), info.IntAt(2, gil)),
                    "(the running process)",
                    prefix.Text(gil),
                    basePrefix.Text(gil),
                    "the process that loaded the gateway");
            }
            return _install;
        }
    }
}
