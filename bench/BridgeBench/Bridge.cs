using Microsoft.AspNetCore.Http;
using RobynGateway.Python;

namespace BridgeBench;

/// <summary>
/// The interpreter and bridge_app.py, started once for the process (an interpreter cannot be
/// started twice) the way the gateway starts them: PythonRuntime, PythonApp.Load, Start.
/// </summary>
internal static class Bridge
{
    static readonly Lazy<PythonApp> Loaded = new(Start);

    public static PythonApp App => Loaded.Value;

    static PythonApp Start()
    {
        var install = PythonRuntime.EnsureStarted(
            () => PythonLocator.Locate(null, Environment.GetEnvironmentVariable),
            i => Console.WriteLine($"// Python {i.Version} at {i.Executable} (chosen by {i.ChosenBecause})"));
        var app = PythonApp.Load(Path.Combine(AppContext.BaseDirectory, "bridge_app.py"), [], dev: false);
        // As in the gateway: the event loop and one sync worker run (idle here). The app is never
        // stopped: the process ends when the benchmarks do, and bridge_app.py has no shutdown handler.
        app.Start(workers: 1);
        return app;
    }

    /// <summary>A GET as Kestrel hands it over: path, query, the headers a browser-like client sends.</summary>
    public static DefaultHttpContext Request(string path, string query)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = HttpMethods.Get;
        request.Scheme = "http";
        request.Host = new HostString("127.0.0.1", 8080);
        request.Path = path;
        request.QueryString = new QueryString(query);
        request.Headers.Accept = "application/json";
        request.Headers.AcceptEncoding = "gzip, deflate, br";
        request.Headers.AcceptLanguage = "en-GB,en;q=0.9";
        request.Headers.UserAgent = "Mozilla/5.0 (X11; Linux x86_64) BridgeBench/1.0";
        request.Headers.Cookie = "session=0123456789abcdef";
        request.Headers.Connection = "keep-alive";
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        return context;
    }

    /// <summary>
    /// Python objects the benchmarks call or read, kept for the life of the process: an empty
    /// function taking any arguments, and a result tuple shaped as the dispatcher's for GET /json
    /// with its header tuple (which the HeaderCache knows by address, as the app's const headers).
    /// </summary>
    public static (BorrowedRef Empty, BorrowedRef Result, BorrowedRef HeaderTuple) MakeObjects()
    {
        using (var gil = RobynGateway.Python.Gil.Acquire())
        {
            using var builtins = PyHandle.Import("builtins", gil.Held);
            var names = builtins.CallMethod("dict", gil.Held);
            builtins.CallMethod("exec", gil.Held, """
                def empty(*args):
                    return None

                headers = ("content-type", "application/json")
                result = (200, headers, b'{"hello":"world"}')
                """, names).Dispose();
            var empty = names.CallMethod("__getitem__", gil.Held, "empty");
            var result = names.CallMethod("__getitem__", gil.Held, "result");
            var headers = names.CallMethod("__getitem__", gil.Held, "headers");
            Keep.AddRange([names, empty, result, headers]);
            return (empty.Ref, result.Ref, headers.Ref);
        }
    }

    static readonly List<IDisposable> Keep = [];
}

/// <summary>
/// The GIL on the calling thread, through a thread state of its own made once per thread (as a
/// sync worker holds one), so that taking it costs what a worker pays: PyEval_RestoreThread and
/// PyEval_SaveThread.
/// </summary>
internal readonly unsafe ref struct Gil
{
    [ThreadStatic] static nint t_state;

    public GilHeld Held { get; private init; }

    public static Gil Take()
    {
        if (t_state == 0) t_state = CApi.PyThreadState_New(CApi.PyInterpreterState_Main());
        return new Gil { Held = RobynGateway.Python.Gil.Restore(t_state) };
    }

    public void Dispose() => RobynGateway.Python.Gil.Save(Held);
}
