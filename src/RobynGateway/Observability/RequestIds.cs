namespace RobynGateway.Observability;

/// <summary>
/// Every request carries an <c>X-Request-ID</c>: the one the client (or nginx, whose
/// <c>$request_id</c> is 32 hex digits) sent when it is safe to repeat in logs and headers, else a
/// new one. It becomes the request's <see cref="HttpContext.TraceIdentifier"/> (ASP.NET Core's own
/// RequestId, in its log scope and problem details), the response carries it, and Python finds it
/// among the request's headers (<c>request.request_id</c>): <see cref="Http.RequestReader"/> writes
/// it there in place of what the client sent. Only a front of <c>--processes</c> writes it into the
/// request's own headers, for YARP to forward to a worker (which then keeps it): in one process that
/// write (a header Kestrel does not know, kept in a dictionary) cost about 3.6k instructions a request.
///
/// Safe means 1 to 128 characters from <c>A-Z a-z 0-9 - _ . : + = / @</c>: enough for UUIDs,
/// nginx's ids, AWS and W3C trace ids, and nothing that could break a log line or a header
/// (no spaces, quotes, control characters). Anything else is replaced, not rejected: a bad id is
/// the client's business, the request is still served.
/// </summary>
internal static class RequestIds
{
    public const string Header = "X-Request-ID";
    public const int MaxLength = 128;

    /// <summary>The id of a request that went through <see cref="UseRobynRequestIds"/> (Kestrel's own id before).</summary>
    public static string Of(HttpContext context) => context.TraceIdentifier;

    /// <summary>
    /// Goes first. <paramref name="front"/>: a front of <c>--processes</c>, whose answers usually come
    /// from a worker that already set the header (YARP would add a second copy): it adds the header
    /// only to answers that have none, when they start.
    /// </summary>
    public static IApplicationBuilder UseRobynRequestIds(this IApplicationBuilder app, bool front = false)
    {
        if (front)
            return app.Use((context, next) =>
            {
                context.Request.Headers[Header] = Assign(context); // for YARP to forward
                context.Response.OnStarting(static state =>
                {
                    var c = (HttpContext)state;
                    if (!c.Response.Headers.ContainsKey(Header)) c.Response.Headers[Header] = c.TraceIdentifier;
                    return Task.CompletedTask;
                }, context);
                return next(context);
            });
        return app.Use((context, next) =>
        {
            context.Response.Headers[Header] = Assign(context);
            return next(context);
        });
    }

    /// <summary>
    /// JSON logs only: every record logged while the request runs (in its async flow) carries
    /// <c>RequestId</c>. Python's records come from Python's threads, outside that flow: they
    /// take it from the call they run for (NativeCallbacks.Log).
    /// </summary>
    public static IApplicationBuilder UseRequestIdInLogs(this IApplicationBuilder app) =>
        !Hosting.Logging.Json ? app : app.Use(static async (context, next) =>
        {
            // Set inside an async method: the change flows to what it awaits and is undone when it returns.
            RequestIdEnricher.Set(Of(context));
            await next(context);
        });

    static string Assign(HttpContext context)
    {
        var given = context.Request.Headers[Header];
        var id = given.Count == 1 && IsSafe(given[0]) ? given[0]! : New();
        context.TraceIdentifier = id;
        return id;
    }

    /// <summary>
    /// 32 lower-case hex digits (128 random bits), as nginx's <c>$request_id</c>. From
    /// <see cref="Random.Shared"/> (per-thread xoshiro256**, seeded from the OS): an id must be
    /// unique, not secret, and the response hands it to the client anyway. Guid.NewGuid() read the
    /// kernel's generator (getrandom, a system call) for every request: about 1 % of the process's
    /// CPU under load (perf).
    /// </summary>
    public static string New() => string.Create(32, 0, static (chars, _) =>
    {
        Span<byte> bits = stackalloc byte[16];
        Random.Shared.NextBytes(bits);
        Convert.TryToHexStringLower(bits, chars, out _);
    });

    public static bool IsSafe(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength) return false;
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '+' or '=' or '/' or '@')) return false;
        }
        return true;
    }
}
