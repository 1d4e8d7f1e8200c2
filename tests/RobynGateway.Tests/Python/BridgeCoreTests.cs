using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RobynGateway.Python;
using RobynGateway.Routing;
using RobynGateway.Tests.Infrastructure;
using RobynGateway.Http;

namespace RobynGateway.Tests.Python;

public sealed class CoreAppFactory() : GatewayFactory("core_app.py");

/// <summary>
/// The unsafe core, called directly with the GIL taken on the test's thread: reference counts
/// (sys.getrefcount) balance across a call, a malformed result tuple is a clean 500 that leaks
/// nothing, and a pooled PythonCall comes back with every field reset.
/// </summary>
public sealed class BridgeCoreTests(CoreAppFactory factory) : IClassFixture<CoreAppFactory>
{
    PythonApp App => factory.Services.GetRequiredService<PythonApp>();

    RouteEntry Route(string pattern) => App.Routes.Single(r => r.Pattern == pattern);

    static PythonCall Request(PythonApp app, RouteEntry route, string path, string query, params string[] parameters)
    {
        var call = PythonCall.Rent(app, route);
        call.MethodIndex = PyConstants.MethodIndex("GET");
        call.SetField(PythonCall.PathField, path);
        call.SetField(PythonCall.QueryField, query);
        call.SetField(PythonCall.HeadersField, "");
        call.SetField(PythonCall.ClientIpField, "127.0.0.1");
        call.SetField(PythonCall.HostField, "localhost");
        for (var i = 0; i < parameters.Length; i++) call.SetField(PythonCall.FirstParam + i, parameters[i]);
        return call;
    }

    static unsafe long RefCount(BorrowedRef o)
    {
        var gil = GilHeld.Checked(); // every caller holds it
        using var sys = PyHandle.Import("sys", gil);
        using var getrefcount = sys.GetAttr("getrefcount", gil);
        using var count = CApi.PyObject_CallOneArg(getrefcount.Ref, o);
        Assert.False(count.IsNull);
        return CApi.PyLong_AsLongLong(count.Borrow());
    }

    static long[] RefCounts(params BorrowedRef[] objects) => objects.Select(RefCount).ToArray();

    [Fact]
    public void A_sync_call_leaves_every_reference_count_as_it_found_it()
    {
        var app = App;
        var route = Route("/items/:id");
        using var gil = Gil.Acquire();
        BorrowedRef[] touched =
        [
            route.IndexObject, PyConstants.MethodObjects[0], PyConstants.EmptyString, PyConstants.EmptyBytes,
            PyConstants.EmptyTuple, PyConstants.Http, CApi.None,
        ];
        // Other tests' Python threads share these objects (a small int, None, the empty tuple), and
        // the interpreter hands them the GIL every 5 ms while they wait: CI once saw the route
        // index's count drop by 161 during the loop. With a switch interval of a second (the loop takes
        // milliseconds), nobody else runs once the threads already waiting have had their turn.
        using var sys = PyHandle.Import("sys", gil.Held);
        using var interval = sys.CallMethod("getswitchinterval", gil.Held);
        sys.CallMethod("setswitchinterval", gil.Held, 1.0).Dispose();
        try
        {
            // Calls for 20 ms first: whatever the handler caches on its first run is not a leak,
            // and any thread that began waiting under the old interval runs now, not later.
            var warm = System.Diagnostics.Stopwatch.StartNew();
            do RunOnce(gil.Held); while (warm.ElapsedMilliseconds < 20);
            var before = RefCounts(touched);
            for (var i = 0; i < 50; i++) RunOnce(gil.Held);
            Assert.Equal(before, RefCounts(touched));
        }
        finally
        {
            sys.CallMethod("setswitchinterval", gil.Held, interval).Dispose();
        }

        void RunOnce(GilHeld held)
        {
            var call = Request(app, route, "/items/7", "q=x", "7");
            try
            {
                app.ExecuteSync(call, held);
                Assert.Equal(200, call.Status);
                Assert.Equal("""{"id":"7","q":"x"}""",
                    Encoding.UTF8.GetString(call.ResponseBody!, 0, call.ResponseLength).Replace(" ", ""));
            }
            finally
            {
                PythonCall.Return(call);
            }
        }
    }

    [Fact]
    public async Task Hooked_requests_leave_no_exchange_behind()
    {
        var client = factory.CreateClient();
        for (var i = 0; i < 20; i++)
        {
            var answer = await client.GetAsync("/hooked");
            Assert.Equal("1", answer.Headers.GetValues("x-after").Single());
            Assert.Contains("\"stamp\":\"1\"", (await answer.Content.ReadAsStringAsync()).Replace(" ", ""));
        }
        // The last request's call may reach the pool just after its answer reached the client.
        var alive = -1;
        for (var tries = 0; tries < 40 && alive != 0; tries++)
        {
            if (tries > 0) await Task.Delay(50);
            using var gil = Gil.Acquire();
            App.ReleaseFinished(gil.Held); // what the next trip into Python would drop
            using var names = PythonCode.Exec("import gc\nfrom robyn.hooks import Exchange\ngc.collect()\nalive = sum(1 for o in gc.get_objects() if type(o) is Exchange)", gil.Held);
            using var count = names.Get("alive", gil.Held);
            alive = count.Int(gil.Held);
        }
        Assert.Equal(0, alive);
    }

    [Theory]
    [InlineData("(200, None, 'text, not bytes')")]
    [InlineData("(99, None, b'')")]
    [InlineData("(1000, None, b'')")]
    [InlineData("('200', None, b'')")]
    [InlineData("(200, ('content-type',), b'')")]
    [InlineData("(200, ('x-split', 'a\\r\\nset-cookie: b'), b'')")]
    [InlineData("(200, ('x-nul', 'a\\x00b'), b'')")]
    [InlineData("(200, [], b'')")]
    [InlineData("(200, None, b'', 9, 'unknown kind')")]
    [InlineData("(200, None, b'', 1, b'aux not str')")]
    [InlineData("(200, None, b'', 0)")]
    [InlineData("(200,)")]
    [InlineData("[200, None, b'']")]
    [InlineData("None")]
    [InlineData("42")]
    public unsafe void A_malformed_result_tuple_is_a_clean_500_and_leaks_nothing(string expression)
    {
        var app = App;
        using var gil = Gil.Acquire();
        using var result = PythonCode.Eval(expression, gil.Held);
        var address = result.Ref;
        var headers = new HeaderCache([], gil.Held);
        var before = RefCount(address);
        var call = PythonCall.Rent(app, null);
        try
        {
            CallMarshaller.ReadAndComplete(address, call, headers, "the test", gil.Held);
            Assert.Equal(500, call.Status);
            Assert.Equal(ResultKind.Error, call.Kind);
            Assert.False(call.FromPython);
            Assert.True(call.Stream.IsNull);
            Assert.Contains("the test returned an answer that cannot be sent", call.Aux);
            Assert.Equal("Internal server error", Encoding.UTF8.GetString(call.ResponseBody!, 0, call.ResponseLength));
            Assert.True(CApi.PyErr_Occurred().IsNull, "a Python error was left pending");
        }
        finally
        {
            PythonCall.Return(call);
        }
        Assert.Equal(before, RefCount(address));
    }

    [Fact]
    public unsafe void A_function_that_raised_is_a_500_with_its_error_and_no_error_left_pending()
    {
        var call = PythonCall.Rent(App, null);
        using var gil = Gil.Acquire();
        try
        {
            using var missing = CApi.PyObject_CallNoArgs(CApi.None); // None is not callable: TypeError
            Assert.True(missing.IsNull);
            CallMarshaller.ReadAndComplete(missing.Borrow(), call, new HeaderCache([], gil.Held), "the test", gil.Held);
            Assert.Equal(500, call.Status);
            Assert.StartsWith("the test raised: ", call.Aux);
            Assert.Contains("not callable", call.Aux);
            Assert.True(CApi.PyErr_Occurred().IsNull);
        }
        finally
        {
            PythonCall.Return(call);
        }
    }

    [Fact]
    public void A_streaming_answer_holds_its_iterator_until_the_call_is_returned()
    {
        var app = App;
        var route = Route("/stream");
        using var gil = Gil.Acquire();
        var call = Request(app, route, "/stream", "");
        BorrowedRef iterator;
        long held;
        try
        {
            app.ExecuteSync(call, gil.Held);
            Assert.Equal(ResultKind.Stream, call.Kind);
            iterator = call.Stream.Borrow();
            held = RefCount(iterator);
            // Keep it alive past the call's release, to see that release happen.
            using var extra = iterator.NewReference();
            PythonCall.Return(call);
            app.ReleaseFinished(gil.Held);
            Assert.Equal(held, RefCount(iterator));
        }
        catch
        {
            PythonCall.Return(call);
            throw;
        }
    }

    /// <summary>Every field of a PythonCall, set to something that is not its fresh value, then reset.</summary>
    [Fact]
    public void Returning_a_call_to_the_pool_resets_every_field()
    {
        var app = App;
        var route = Route("/items/:id");
        // Kept for reuse by design: the text buffers (they only grow) and the completion core
        // (reset by BeginStage, its version moves on).
        string[] kept = ["_text", "_spans", "_core"];
        var fresh = (PythonCall)Activator.CreateInstance(typeof(PythonCall), nonPublic: true)!;
        var call = PythonCall.Rent(app, route);
        var fields = typeof(PythonCall).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => !kept.Contains(f.Name)).ToList();

        NewRef exchange, stream;
        using (var gil = Gil.Acquire())
        {
            exchange = PyConstants.Str("an exchange");
            stream = PyConstants.Str("a stream");
            var before = (RefCount(exchange.Borrow()), RefCount(stream.Borrow()));
            foreach (var field in fields) field.SetValue(call, Filled(field));
            // The call owns them now; Reset hands them to the app, which drops them under the GIL.
            typeof(PythonCall).GetMethod("Reset", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(call, null);
            using var keepExchange = exchange.Borrow().NewReference();
            using var keepStream = stream.Borrow().NewReference();
            app.ReleaseFinished(gil.Held);
            // Ours (+1) and the call's dropped (-1): as before, or one more if the call's was never dropped.
            Assert.Equal(before, (RefCount(exchange.Borrow()), RefCount(stream.Borrow())));
        }

        foreach (var field in fields)
            Assert.True(Equals(field.GetValue(fresh), field.GetValue(call)) || IsEmptyArray(field.GetValue(call)),
                $"PythonCall.{field.Name} is {field.GetValue(call)} after a reset, not {field.GetValue(fresh)}");

        object? Filled(FieldInfo field) => field.Name switch
        {
            "Exchange" => new NewRef(exchange.Steal()),
            "Stream" => new NewRef(stream.Steal()),
            "App" => app,
            "Route" => route,
            "Body" => System.Buffers.ArrayPool<byte>.Shared.Rent(16),
            "ResponseBody" => System.Buffers.ArrayPool<byte>.Shared.Rent(16),
            "Headers" => new KeyValuePair<string, string>[] { new("a", "b") },
            "Form" => new MultipartForm(),
            "SocketEndpoint" => new RobynGateway.WebSockets.SocketEndpoint(1, "/ws", true, true, true),
            "_timeoutWatch" => default(CancellationTokenRegistration), // Return disposes it before Reset
            "_python" => 0, // Idle: a call in Python is never reset
            "OnLoopCounted" => false, // Complete (or the timeout's late answer) clears it before a call can be returned
            "Span" => new System.Diagnostics.Activity("handler"),
            _ when field.FieldType == typeof(int) => 7,
            _ when field.FieldType == typeof(long) => 7L,
            _ when field.FieldType == typeof(ulong) => 7UL,
            _ when field.FieldType == typeof(bool) => true,
            _ when field.FieldType == typeof(string) => "x",
            _ when field.FieldType.IsEnum => Enum.GetValues(field.FieldType).GetValue(1),
            _ => throw new InvalidOperationException($"PythonCall.{field.Name} ({field.FieldType.Name}) is new: say here how to fill it"),
        };
    }

    static bool IsEmptyArray(object? value) => value is Array { Length: 0 };

#if DEBUG
    [Fact]
    public void Debug_builds_refuse_a_GIL_proof_made_without_the_GIL() =>
        Assert.Throws<InvalidOperationException>(() => GilHeld.InCallback());
#endif
}
