using RobynGateway.Python;

namespace RobynGateway.Routing;

/// <summary>Makes the request delegate of each route; holds what every route shares.</summary>
internal sealed class RouteHandlerFactory(ILogger<RouteHandler> log, Hosting.GatewayOptions options)
{
    public RouteHandler Create(PythonApp app, RouteEntry route) => new(app, route, log, options.MaxPayloadSize);
}

/// <summary>
/// The per-request path of one route: read the request into a pooled call on the Kestrel thread,
/// queue it for Python, await it without holding any thread, write the answer.
/// </summary>
internal sealed class RouteHandler(PythonApp app, RouteEntry route, ILogger<RouteHandler> log, long maxPayload)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var call = PythonCall.Rent(app, route);
        try
        {
            if (!await RequestReader.ReadAsync(context, call, maxPayload)) return;
            app.Submit(call);
            await call.Completion;
            if (call.Kind == ResultKind.Error)
                log.LogError("{Method} {Path} failed in Python:\n{Traceback}", context.Request.Method, context.Request.Path.Value, call.Aux);
            await ResponseWriter.WriteAsync(context, call);
        }
        finally
        {
            PythonCall.Return(call);
        }
    }
}
