using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;
using RobynGateway.Python;

namespace RobynGateway.Routing;

/// <summary>
/// Publishes the routes the app registered in Python as ASP.NET Core endpoints, one per method and
/// pattern, each with a request delegate bound to its route once. Two routes of the same method
/// that differ only in parameter names (<c>/a/:x</c>, <c>/a/:y</c>) would make ASP.NET's matcher
/// ambiguous at request time; as in Robyn, the first one wins and the other is reported at start.
/// </summary>
internal sealed class RobynEndpointDataSource : EndpointDataSource
{
    readonly IReadOnlyList<Endpoint> _endpoints;

    public RobynEndpointDataSource(PythonApp app, RouteHandlerFactory handlers, Hooks.HookTable hooks,
        RequestTimeouts.Policies timeouts, ILogger<RobynEndpointDataSource> log)
    {
        var endpoints = new List<Endpoint>(app.Routes.Count);
        var shapes = new Dictionary<(string, string), RouteEntry>();
        foreach (var route in app.Routes)
        {
            if (!shapes.TryAdd((route.Method, RoutePatternTranslator.Shape(route.Pattern)), route))
            {
                log.LogWarning("Route {Route} is ignored: it conflicts with {Existing}, which was registered first.",
                    route, shapes[(route.Method, RoutePatternTranslator.Shape(route.Pattern))]);
                continue;
            }
            var pattern = RoutePatternFactory.Parse(RoutePatternTranslator.ToTemplate(route.Pattern));
            var builder = new RouteEndpointBuilder(handlers.Create(app, route).InvokeAsync, pattern, order: 0)
            {
                DisplayName = route.ToString(),
            };
            builder.Metadata.Add(new HttpMethodMetadata([route.Method]));
            builder.Metadata.Add(route);
            // ASP.NET Core's metrics (http.route) and traces name the route as the app wrote it.
            builder.Metadata.Add(new RobynRouteDiagnostics(route.Pattern));
            builder.Metadata.Add(hooks.PlanFor(route));
            if (timeouts.For(route) is { } timeout) builder.Metadata.Add(timeout);
            endpoints.Add(builder.Build());
        }
        _endpoints = endpoints;
    }

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints;

    public override IChangeToken GetChangeToken() => Microsoft.Extensions.FileProviders.NullChangeToken.Singleton;
}

/// <summary>The route's Robyn pattern (<c>/users/:id</c>) as ASP.NET Core's diagnostics name it.</summary>
internal sealed record RobynRouteDiagnostics(string Route) : Microsoft.AspNetCore.Http.Metadata.IRouteDiagnosticsMetadata;
