using RobynGateway.Python;
using RobynGateway.Http;

namespace RobynGateway.Routing;

/// <summary>Makes the request delegate of each route; holds what every route shares.</summary>
internal sealed class RouteHandlerFactory(ILogger<RouteHandler> log, Hosting.GatewayOptions options, GlobalHeaders globals, Hooks.HookTable hooks)
{
    public RouteHandler Create(PythonApp app, RouteEntry route) =>
        new(app, route, log, options.MaxPayloadSize, globals, hooked: !hooks.IsEmpty);
}

/// <summary>
/// The per-request path of one route: read the request into a pooled call on the Kestrel thread,
/// queue it for Python, await it without holding any thread, write the answer. A request that hooks
/// apply to arrives with its call already made by the hook stages; the handler is then one stage
/// among them, and the stage that owns the call writes the answer.
/// </summary>
internal sealed class RouteHandler(PythonApp app, RouteEntry route, ILogger<RouteHandler> log, long maxPayload,
    GlobalHeaders globals, bool hooked)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (hooked && context.Features.Get<PythonCall>() is { } staged)
            return app.RunStage(staged, CallStage.Handler, route.IsAsync).AsTask();
        if (route.Const is { } cached) return ResponseWriter.SendAsync(context, cached, globals);
        return DispatchAsync(context);
    }

    async Task DispatchAsync(HttpContext context)
    {
        var call = PythonCall.Rent(app, route);
        try
        {
            if (!await RequestReader.ReadAsync(context, call, maxPayload, globals)) return;
            call.WatchTimeout(context);
            app.Submit(call);
            await call.Completion; // throws at the request timeout: the timeouts middleware answers 504
            if (call.Kind is ResultKind.Stream or ResultKind.AsyncStream) RequestTimeouts.ResponseStarts(context);
            await ResponseWriter.SendAsync(context, call, globals, log);
        }
        finally
        {
            PythonCall.Return(call);
        }
    }
}
