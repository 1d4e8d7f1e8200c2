using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using RobynGateway.Python;

namespace RobynGateway.Web;

/// <summary>
/// <c>ALLOW_CORS(app, origins, headers)</c> as ASP.NET Core's CORS middleware with one default
/// policy, in front of the static files and the routes. Robyn's headers on every answer come from
/// the global response headers <c>ALLOW_CORS</c> sets in Python; this policy answers preflights,
/// echoes one of several listed origins, and covers static files. Two additions make it Robyn's:
/// a request whose <c>Origin</c> is not allowed is refused with 403 and an empty body (ASP.NET
/// alone would only leave out the headers), and the headers go on without replacing what the
/// handler set itself (<see cref="HandlerFirstCorsService"/>). A preflight is answered 204 by the
/// middleware, never by Python, whether or not the app has an OPTIONS route.
/// </summary>
internal static class CorsSetup
{
    static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    static readonly string[] AlwaysAllowedHeaders = ["Content-Type", "Authorization"];

    public static CorsPolicy PolicyFor(CorsDeclaration declared)
    {
        var policy = new CorsPolicyBuilder()
            .WithMethods(Methods)
            .WithHeaders(declared.Headers.Concat(AlwaysAllowedHeaders).Distinct(StringComparer.OrdinalIgnoreCase).ToArray())
            .SetPreflightMaxAge(TimeSpan.FromSeconds(3600));
        // "*" is answered with a literal "*" and without credentials: echoing any caller's origin
        // with credentials would let every site read a logged-in user's answers. ASP.NET refuses
        // AllowAnyOrigin with AllowCredentials for the same reason. Listed origins are echoed.
        return (declared.Origins.Contains("*")
            ? policy.AllowAnyOrigin()
            : policy.WithOrigins(declared.Origins.ToArray()).AllowCredentials()).Build();
    }

    public static void AddRobynCors(this IServiceCollection services, CorsPolicy policy)
    {
        services.AddSingleton<ICorsService, HandlerFirstCorsService>(); // before AddCors, whose TryAdd then keeps it
        services.AddCors(o => o.AddDefaultPolicy(policy));
    }

    public static void UseRobynCors(this IApplicationBuilder app)
    {
        var cors = app.ApplicationServices.GetRequiredService<IOptions<CorsOptions>>().Value;
        var policy = cors.GetPolicy(cors.DefaultPolicyName)!;
        app.Use(next => context =>
        {
            var origin = context.Request.Headers.Origin;
            if (StringValues.IsNullOrEmpty(origin) || policy.AllowAnyOrigin || policy.IsOriginAllowed(origin.ToString()))
                return next(context);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        });
        app.UseCors();
    }
}

/// <summary>
/// ASP.NET's <see cref="CorsService"/> sets <c>Access-Control-Allow-Origin</c> over whatever the
/// response already has and appends <c>Vary: Origin</c> even when it is there. It runs when the
/// response starts, after the handler, so here a header the handler set wins and Vary gets Origin
/// once. Preflights are answered before any handler runs and are left to the base class.
/// </summary>
internal sealed class HandlerFirstCorsService(IOptions<CorsOptions> options, ILoggerFactory loggerFactory)
    : CorsService(options, loggerFactory)
{
    public override void ApplyResult(CorsResult result, HttpResponse response)
    {
        if (!result.IsOriginAllowed) return;
        var headers = response.Headers;
        if (result.IsPreflightRequest)
        {
            base.ApplyResult(result, response);
        }
        else
        {
            if (headers.AccessControlAllowOrigin.Count == 0)
                headers.AccessControlAllowOrigin = result.AllowedOrigin;
            if (result.SupportsCredentials && headers.AccessControlAllowCredentials.Count == 0)
                headers.AccessControlAllowCredentials = "true";
        }
        // An echoed origin differs per caller, so caches must key on it; "*" does not.
        if (result.AllowedOrigin == "*") return;
        if (!VariesByOrigin(headers.Vary))
            headers.Append("Vary", "Origin");
    }

    static bool VariesByOrigin(StringValues vary)
    {
        foreach (var value in vary)
        {
            var text = value.AsSpan();
            foreach (var range in text.Split(','))
            {
                var token = text[range].Trim();
                if (token is "*" || token.Equals("Origin", StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }
}
