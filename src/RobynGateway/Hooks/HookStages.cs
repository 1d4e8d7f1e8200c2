using RobynGateway.Python;
using RobynGateway.Routing;
using RobynGateway.Http;

namespace RobynGateway.Hooks;

/// <summary>
/// Puts the app's before_request / after_request hooks in the ASP.NET Core pipeline, after routing
/// (so the endpoint's hook plan is known) and before the 404 and the endpoints:
/// <code>
/// AfterHookStage   owns the request's call: reads it, runs the rest, then the after hooks, writes
///   BeforeHookStage  the before hooks; a short-circuit or failure answers without going on
///     404 / endpoint   the handler, as one more stage of the same call
/// </code>
/// A request no hook applies to passes both stages untouched and takes the plain dispatch path.
/// When the route and every hook that applies are sync, the after stage runs all three in one trip
/// (CallStage.Hooked) and the rest of the pipeline is skipped.
/// Neither stage is added when the app has no hooks.
/// </summary>
internal static class HookStages
{
    public static IApplicationBuilder UseRobynHooks(this IApplicationBuilder web, IServiceProvider services)
    {
        var table = services.GetRequiredService<HookTable>();
        if (table.IsEmpty) return web;
        var app = services.GetRequiredService<PythonApp>();
        var globals = services.GetRequiredService<GlobalHeaders>();
        var maxPayload = services.GetRequiredService<Hosting.GatewayOptions>().MaxPayloadSize;
        var log = services.GetRequiredService<ILogger<AfterHookStage>>();
        web.Use(next => new AfterHookStage(next, app, table, globals, maxPayload, log).InvokeAsync);
        web.Use(next => new BeforeHookStage(next, app, table).InvokeAsync);
        return web;
    }
}

/// <summary>
/// The outer stage. Decides from the endpoint's <see cref="HookPlan"/> and the path which hooks
/// apply; if any do, it makes the request's call, lets the inner stages answer it, runs the after
/// hooks on that answer (or on a 404 when nothing answered) and writes it.
/// </summary>
internal sealed class AfterHookStage(RequestDelegate next, PythonApp app, HookTable table, GlobalHeaders globals,
    long maxPayload, ILogger<AfterHookStage> log)
{
    public Task InvokeAsync(HttpContext context)
    {
        var plan = context.GetEndpoint()?.Metadata.GetMetadata<HookPlan>() ?? table.Unrouted;
        var (before, after) = HookTable.Resolve(plan, context.Request.Path.Value);
        return (before | after) == 0 ? next(context) : RunAsync(context, plan.Route, before, after);
    }

    /// <summary>
    /// Whether the request's stages can be one trip into Python (CallStage.Hooked): a route (not
    /// the 404) whose handler and applying hooks are all sync. Each stage is otherwise a queue hop
    /// to a sync worker and back; as one trip, the inner stages and the endpoint are not run, so
    /// not when tracing wants a span per stage.
    /// </summary>
    bool Fuses(RouteEntry? route, ulong before, ulong after) =>
        route is { IsAsync: false } && ((before & table.BeforeAsync) | (after & table.AfterAsync)) == 0
        && !Observability.TracingSetup.Enabled;

    async Task RunAsync(HttpContext context, RouteEntry? route, ulong before, ulong after)
    {
        var call = PythonCall.Rent(app, route);
        try
        {
            if (!await RequestReader.ReadAsync(context, call, maxPayload, globals)) return;
            call.BeforeMask = before;
            call.AfterMask = after;
            call.WatchTimeout(context);
            if (Fuses(route, before, after))
            {
                await app.RunStage(call, CallStage.Hooked, onLoop: false);
                // hooked_sync cleared AfterMask unless its after hooks made the answer.
                if (call.Kind is ResultKind.Stream or ResultKind.AsyncStream) RequestTimeouts.ResponseStarts(context);
                await ResponseWriter.SendAsync(context, call, call.AfterMask != 0 && call.FromPython ? null : globals, log);
                return;
            }
            context.Features.Set(call);
            await next(context);
            if (context.Response.HasStarted) return;

            // Python's answer, or C#'s 404 (which the after hooks see too); an answer C# made for a
            // broken stage (a protocol error, a stopped loop) goes out as it is.
            var notFound = !call.Answered;
            if (notFound) call.SetAnswer(StatusCodes.Status404NotFound, "Not found");
            // As in Robyn, after hooks do not see streaming answers (the body does not exist yet).
            var runAfter = call.AfterMask != 0 && (call.FromPython || notFound)
                && call.Kind is not (ResultKind.Stream or ResultKind.AsyncStream);
            if (runAfter)
            {
                var (span, wait) = Observability.TracingSetup.Enabled ? (Observability.TracingSetup.StartStage(call, "after_request"), call.WaitTicks) : (null, 0);
                await app.RunStage(call, CallStage.After, (call.AfterMask & table.AfterAsync) != 0);
                Observability.TracingSetup.EndStage(span, call, wait);
            }
            else if (call.Kind is ResultKind.Stream or ResultKind.AsyncStream) RequestTimeouts.ResponseStarts(context);
            await ResponseWriter.SendAsync(context, call, runAfter ? null : globals, log);
        }
        finally
        {
            context.Features.Set<PythonCall>(null);
            Observability.RequestTiming.Record(call);
            PythonCall.Return(call);
        }
    }
}

/// <summary>
/// The inner stage: runs the before hooks in one trip into Python. They go on to the handler, answer
/// the request themselves (the after hooks still run), or fail (a 500 that ends the request at once,
/// after hooks skipped, as in Robyn).
/// </summary>
internal sealed class BeforeHookStage(RequestDelegate next, PythonApp app, HookTable table)
{
    public Task InvokeAsync(HttpContext context)
    {
        var call = context.Features.Get<PythonCall>();
        return call is { BeforeMask: not 0 } ? RunAsync(context, call) : next(context);
    }

    async Task RunAsync(HttpContext context, PythonCall call)
    {
        var (span, wait) = Observability.TracingSetup.Enabled ? (Observability.TracingSetup.StartStage(call, "before_request"), call.WaitTicks) : (null, 0);
        await app.RunStage(call, CallStage.Before, (call.BeforeMask & table.BeforeAsync) != 0);
        Observability.TracingSetup.EndStage(span, call, wait);
        if (call.Kind == ResultKind.Continue)
        {
            call.Kind = ResultKind.Plain; // not an answer: the handler (or the 404) gives it
            await next(context);
        }
        else if (call.Kind == ResultKind.Error)
            call.AfterMask = 0;
    }
}
