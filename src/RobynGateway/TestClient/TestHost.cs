using System.Net;
using Microsoft.AspNetCore.TestHost;
using RobynGateway.Hosting;
using RobynGateway.Python;

namespace RobynGateway.TestClient;

/// <summary>A request the app did not answer in time; the message says which and how long.</summary>
internal sealed class TestRequestTimeoutException(string message) : Exception(message);

/// <summary>
/// One TestClient's gateway: the very host <see cref="GatewayHost.Compose"/> builds for the server
/// (405 filter, CORS, static files, routing, hook stages, 404, const routes, global headers, the
/// Python lifecycle), around an app object already live in this interpreter, and served by
/// ASP.NET's in-memory TestServer instead of Kestrel. Only the transport differs from production.
///
/// Lifetime: <see cref="Start"/> (event loop, startup handler, const routes, sync workers), then
/// any number of <see cref="Send"/>, then <see cref="Close"/> (shutdown handler, loop, workers).
/// Every method is called by a Python thread that has released the GIL, and blocks it: the
/// request itself runs on thread-pool threads, the app's sync workers and its event loop.
/// </summary>
internal sealed class TestHost
{
    static readonly object Gate = new();
    static Serilog.ILogger? _log;

    readonly WebApplication _web;
    readonly TestServer _server;
    int _closed;

    TestHost(WebApplication web)
    {
        _web = web;
        _server = web.GetTestServer();
    }

    public static TestHost Start(BorrowedRef borrowedApp, int workers)
    {
        var log = EnsureRuntime();
        var app = PythonApp.Attach(borrowedApp);
        var options = new GatewayOptions { AppPath = app.AppPath, Workers = workers, LogLevel = "WARNING" };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(TestHost).Assembly.GetName().Name,
            ContentRootPath = Path.GetDirectoryName(typeof(TestHost).Assembly.Location) is { Length: > 0 } d ? d : AppContext.BaseDirectory,
        });
        builder.WebHost.UseTestServer();
        var web = GatewayHost.Compose(builder, options, app, log);
        try
        {
            web.StartAsync().GetAwaiter().GetResult();
        }
        catch
        {
            // The loop may be running already (the startup handler runs on it): stop what started.
            Stop(web);
            throw;
        }
        return new TestHost(web);
    }

    /// <summary>The interpreter is attached once per process and never detached; logs go to the console.</summary>
    static Serilog.ILogger EnsureRuntime()
    {
        lock (Gate)
        {
            if (_log is not null) return _log;
            PythonRuntime.EnsureAttached();
            // Warnings and errors only (a handler's traceback is an error): pytest shows them with a failing test.
            Logging.Configure("WARNING");
            return _log = Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway.TestClient");
        }
    }

    /// <summary>Runs one request through the pipeline; the answer encoded by <see cref="WireFormat.AllocResponse"/>.</summary>
    public nint Send(string method, string target, List<KeyValuePair<string, string>> headers, byte[] body,
        TimeSpan timeout, out long length)
    {
        using var cancel = new CancellationTokenSource();
        var running = SendAsync(method, target, headers, body, cancel.Token);
        if (!running.Wait(timeout))
        {
            // The handler may still be running; its answer is dropped when it comes.
            cancel.Cancel();
            throw new TestRequestTimeoutException(
                $"{method} {target} got no complete answer within {timeout.TotalSeconds:0.###} s " +
                "(TestClient(app, timeout=...) sets the limit).");
        }
        var (status, headerBytes, bodyBytes) = running.GetAwaiter().GetResult();
        return WireFormat.AllocResponse(status, headerBytes, bodyBytes, out length);
    }

    async Task<(int, byte[], byte[])> SendAsync(string method, string target, List<KeyValuePair<string, string>> headers,
        byte[] body, CancellationToken cancel)
    {
        var context = await _server.SendAsync(c => Fill(c, method, target, headers, body), cancel);
        using var content = new MemoryStream();
        // A streaming answer is still being written here: read it to its end, as a client would.
        await context.Response.Body.CopyToAsync(content, cancel);
        var answer = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in context.Response.Headers)
            foreach (var value in values)
                answer.Add(new(name, value ?? ""));
        return (context.Response.StatusCode, WireFormat.WriteHeaders(answer), content.ToArray());
    }

    /// <summary>Opens a websocket to <paramref name="target"/> through the same pipeline (see <see cref="TestSocket"/>).</summary>
    public TestSocket ConnectWebSocket(string target, List<KeyValuePair<string, string>> headers, TimeSpan timeout) =>
        TestSocket.Connect(_server, target, headers, timeout);

    static void Fill(HttpContext context, string method, string target, List<KeyValuePair<string, string>> headers, byte[] body)
    {
        var request = context.Request;
        request.Method = method;
        var query = target.IndexOf('?');
        request.Path = PathString.FromUriComponent(query < 0 ? target : target[..query]);
        request.QueryString = query < 0 ? QueryString.Empty : new QueryString(target[query..]);
        foreach (var (name, value) in headers)
        {
            if (string.Equals(name, "host", StringComparison.OrdinalIgnoreCase)) request.Host = new HostString(value);
            else request.Headers.Append(name, value);
        }
        if (body.Length > 0 || HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method))
        {
            request.Body = new MemoryStream(body, writable: false);
            request.ContentLength = body.Length;
        }
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
    }

    /// <summary>Stops the host once: the shutdown handler runs, then the loop and workers stop.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1) return;
        Stop(_web);
    }

    static void Stop(WebApplication web)
    {
        try
        {
            web.StopAsync().GetAwaiter().GetResult();
        }
        finally
        {
            web.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
