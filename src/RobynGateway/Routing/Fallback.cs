using RobynGateway.Python;
using RobynGateway.Http;

namespace RobynGateway.Routing;

/// <summary>
/// Robyn's answers when no route applies. A method Robyn does not know is 405 before anything else;
/// a known method on a path with no route for it is 404 (Robyn keeps one table per method, so
/// ASP.NET's own 405 for "path exists under another method" becomes 404 too).
/// </summary>
internal static class Fallback
{
    public static IApplicationBuilder UseRobynMethodFilter(this IApplicationBuilder app) =>
        app.Use(static (context, next) => PyConstants.MethodIndex(context.Request.Method) < 0
            ? PlainText.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed")
            : next(context));

    /// <summary>
    /// 404 for requests no route matches. A request that hooks apply to is left unanswered here: the
    /// hook stage that owns it answers 404 after its before hooks, so its after hooks see the 404.
    /// </summary>
    public static IApplicationBuilder UseRobynNotFound(this IApplicationBuilder app, GlobalHeaders globals, bool hooked) =>
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<RouteEntry>() is not null) return next(context);
            if (hooked && context.Features.Get<PythonCall>() is not null) return Task.CompletedTask;
            globals.ApplyTo(context);
            return PlainText.WriteAsync(context, StatusCodes.Status404NotFound, "Not found");
        });
}
