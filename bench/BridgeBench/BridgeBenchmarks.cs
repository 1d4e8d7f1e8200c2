using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using RobynGateway.Python;
using RobynGateway.Http;

namespace BridgeBench;

/// <summary>
/// One request's trip through the bridge, piece by piece, for bridge_app.py's <c>GET /json</c>:
///
///   request   Kestrel's HttpContext copied into a pooled PythonCall (UTF-8 fields; no Python)
///   call      the dispatcher's 11 arguments made into Python objects and one vectorcall of an
///             empty Python function: the price of crossing, whatever the handler does
///   dispatch  the real thing a sync worker does: robyn's dispatcher builds the Request, runs the
///             handler, serialises the dict, and the result is copied back (ExecuteSync)
///   result    a result tuple (status, cached header tuple, body bytes) copied into the call
///   response  the call written to an HttpResponse (status, headers, Content-Length, body)
///
/// The Python benchmarks take the GIL once per batch of <see cref="Batch"/> operations, as a sync
/// worker drains its queue in a batch; <see cref="GilRoundTrip"/> prices taking it alone.
/// </summary>
[MemoryDiagnoser]
public unsafe class BridgeBenchmarks
{
    const int Batch = 100;

    PythonApp _app = null!;
    RouteEntry _route = null!;
    GlobalHeaders _globals = null!;
    DefaultHttpContext _request = null!;
    DefaultHttpContext _response = null!;
    PythonCall _call = null!;
    BorrowedRef _empty; // kept alive by Bridge
    BorrowedRef _result;
    HeaderCache _headers = null!;
    readonly Microsoft.Extensions.Logging.ILogger _log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    [GlobalSetup]
    public void Setup()
    {
        _app = Bridge.App;
        _route = _app.Routes.Single(r => r is { Method: "GET", Pattern: "/json" });
        _globals = new GlobalHeaders(_app.Declarations);
        _request = Bridge.Request("/json", "?page=2&sort=name");
        _response = new DefaultHttpContext();
        _response.Response.Body = Stream.Null;

        _call = PythonCall.Rent(_app, _route);
        if (!RequestReader.ReadAsync(_request, _call, 1_000_000, _globals).AsTask().GetAwaiter().GetResult())
            throw new InvalidOperationException("the request was refused");
        (_empty, _result, var headerTuple) = Bridge.MakeObjects();
        using (var gil = Gil.Take()) _headers = new HeaderCache([headerTuple], gil.Held);

        // The answer the response benchmark writes: what the dispatcher gives for GET /json.
        using (var gil = Gil.Take()) _app.ExecuteSync(_call, gil.Held);
        if (_call.Status != 200) throw new InvalidOperationException($"GET /json answered {_call.Status}: {_call.Aux}");
    }

    [Benchmark(Description = "request: HttpContext -> PythonCall")]
    public int Request()
    {
        var call = PythonCall.Rent(_app, _route);
        var read = RequestReader.ReadAsync(_request, call, 1_000_000, _globals); // no body: completes at once
        if (!read.IsCompletedSuccessfully || !read.Result) throw new InvalidOperationException("the request was not read at once");
        var length = call.Field(PythonCall.HeadersField).Length;
        PythonCall.Return(call);
        return length;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "call: 11 arguments into an empty Python function")]
    public void Call()
    {
        using var gil = Gil.Take();
        for (var i = 0; i < Batch; i++)
        {
            using var r = CallMarshaller.Invoke(_empty, _call, 0, gil.Held);
            if (r.IsNull) throw new InvalidOperationException(CApi.TakeErrorText(gil.Held));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "dispatch: GET /json through robyn, sync handler")]
    public int Dispatch()
    {
        using var gil = Gil.Take();
        for (var i = 0; i < Batch; i++)
        {
            _call.BeginStage(CallStage.Dispatch, onLoop: false);
            _app.ExecuteSync(_call, gil.Held);
        }
        return _call.ResponseLength;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "result: result tuple -> PythonCall")]
    public int Result()
    {
        var scratch = PythonCall.Rent(_app, _route);
        using (var gil = Gil.Take())
        {
            for (var i = 0; i < Batch; i++)
            {
                scratch.BeginStage(CallStage.Dispatch, onLoop: false);
                if (!CallMarshaller.TryReadResult(_result, scratch, _headers, gil.Held)) throw new InvalidOperationException("not a result tuple");
            }
        }
        var length = scratch.ResponseLength;
        PythonCall.Return(scratch);
        return length;
    }

    [Benchmark(Description = "response: PythonCall -> HttpResponse")]
    public long Response()
    {
        _response.Response.Headers.Clear();
        ResponseWriter.SendAsync(_response, _call, _globals, _log).GetAwaiter().GetResult();
        return _response.Response.ContentLength ?? 0;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "GIL: take and release")]
    public void GilRoundTrip()
    {
        for (var i = 0; i < Batch; i++)
        {
            using var gil = Gil.Take();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => PythonCall.Return(_call);
}
