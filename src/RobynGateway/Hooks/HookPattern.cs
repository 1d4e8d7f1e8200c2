namespace RobynGateway.Hooks;

/// <summary>How a hook's pattern relates to every path one route can match.</summary>
internal enum HookRelation { Never, Always, Check }

/// <summary>
/// A scoped hook's path pattern (<c>@app.before_request("/api/*")</c>), compiled once. Segments are
/// literals, <c>:name</c> (one non-empty segment) or, last, <c>*name</c> (one segment or more, as
/// in routes) or a bare <c>*</c>, the prefix wildcard: <c>/api/*</c> covers <c>/api</c> and everything
/// under it. Literals compare case-insensitively, as ASP.NET's routing does, so a guard on
/// <c>/admin/*</c> also covers a request for <c>/ADMIN/x</c> that routing sends to <c>/admin/x</c>.
/// </summary>
internal sealed class HookPattern
{
    enum Kind { Literal, Param, Rest, Prefix }

    readonly (Kind Kind, string Text)[] _segments;

    public string Text { get; }

    public HookPattern(string pattern)
    {
        Text = pattern;
        _segments = Segments(pattern).Select(Classify).ToArray();
        for (var i = 0; i < _segments.Length - 1; i++)
            if (_segments[i].Kind is Kind.Rest or Kind.Prefix)
                throw new ArgumentException($"Hook pattern {pattern}: a wildcard must be the last segment.");
    }

    static IEnumerable<string> Segments(string pattern) => pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);

    static (Kind, string) Classify(string segment) => segment switch
    {
        "*" => (Kind.Prefix, ""),
        _ when segment.Length > 1 && segment[0] == ':' => (Kind.Param, segment[1..]),
        _ when segment.Length > 1 && segment[0] == '*' => (Kind.Rest, segment[1..]),
        _ => (Kind.Literal, segment),
    };

    /// <summary>
    /// Whether the hook applies to a request path (decoded, one trailing slash stripped, as the
    /// bridge passes it). Allocates nothing.
    /// </summary>
    public bool Matches(ReadOnlySpan<char> path)
    {
        var rest = path.Length > 0 && path[0] == '/' ? path[1..] : path;
        var done = rest.IsEmpty;
        foreach (var (kind, text) in _segments)
        {
            if (kind == Kind.Prefix) return true;
            if (kind == Kind.Rest) return !done;
            if (done) return false;
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            rest = slash < 0 ? default : rest[(slash + 1)..];
            done = slash < 0;
            if (kind == Kind.Param ? segment.IsEmpty : !segment.Equals(text, StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return done;
    }

    /// <summary>
    /// Decided once per route at start-up: <see cref="HookRelation.Always"/> when every path the
    /// route matches is covered, <see cref="HookRelation.Never"/> when none is, else
    /// <see cref="HookRelation.Check"/> (the path decides, e.g. hook <c>/users/me</c> on route
    /// <c>/users/:id</c>).
    /// </summary>
    public HookRelation RelationTo(string routePattern)
    {
        var route = Segments(routePattern).ToArray();
        var check = false;
        for (var i = 0; i < _segments.Length; i++)
        {
            var (kind, text) = _segments[i];
            if (kind == Kind.Prefix) return check ? HookRelation.Check : HookRelation.Always;
            if (i >= route.Length) return HookRelation.Never;
            var routeSegment = route[i];
            if (routeSegment.Length > 1 && routeSegment[0] == '*') // the route's catch-all: one segment or more
            {
                if (kind == Kind.Rest) return check ? HookRelation.Check : HookRelation.Always;
                return HookRelation.Check; // the hook may or may not reach into what the catch-all takes
            }
            if (kind == Kind.Rest) return check ? HookRelation.Check : HookRelation.Always;
            var routeIsParam = routeSegment.Length > 1 && routeSegment[0] == ':';
            if (kind == Kind.Literal)
            {
                if (routeIsParam) check = true;
                else if (!routeSegment.Equals(text, StringComparison.OrdinalIgnoreCase)) return HookRelation.Never;
            }
        }
        if (route.Length > _segments.Length) return HookRelation.Never;
        return check ? HookRelation.Check : HookRelation.Always;
    }

    public override string ToString() => Text;
}
