using RobynGateway.Python;
using RobynGateway.Routing;

namespace RobynGateway.Hooks;

/// <summary>
/// Which hooks a request to one endpoint needs, worked out at start-up: the hooks that always
/// apply as a ready mask, and the few whose pattern only the path can decide. Endpoint metadata;
/// <see cref="Route"/> is null for the plan of requests no route matches.
/// </summary>
internal sealed class HookPlan(RouteEntry? route, ulong before, ulong after, (ulong Bit, HookPattern Pattern)[] beforeChecks,
    (ulong Bit, HookPattern Pattern)[] afterChecks)
{
    public RouteEntry? Route { get; } = route;
    public ulong Before { get; } = before;
    public ulong After { get; } = after;
    public (ulong Bit, HookPattern Pattern)[] BeforeChecks { get; } = beforeChecks;
    public (ulong Bit, HookPattern Pattern)[] AfterChecks { get; } = afterChecks;
}

/// <summary>
/// The app's before and after hooks, numbered as Python publishes them (global ones first, then
/// scoped ones, each in registration order): bit i of a mask is the i-th hook of its kind, and a
/// stage hands Python the mask of the hooks that apply.
/// </summary>
internal sealed class HookTable
{
    // Per kind, in Python's order: a pattern (scoped), a route index (bound), or neither (global).
    readonly (HookPattern? Pattern, int Route)[] _before;
    readonly (HookPattern? Pattern, int Route)[] _after;

    public ulong BeforeAsync { get; }
    public ulong AfterAsync { get; }
    public bool IsEmpty => _before.Length + _after.Length == 0;

    /// <summary>For requests that match no route (global hooks and hooks whose pattern matches apply to them too).</summary>
    public HookPlan Unrouted { get; }

    public HookTable(IReadOnlyList<HookDeclaration> hooks)
    {
        _before = Patterns(hooks, HookKind.Before, out var beforeAsync);
        _after = Patterns(hooks, HookKind.After, out var afterAsync);
        BeforeAsync = beforeAsync;
        AfterAsync = afterAsync;
        Unrouted = PlanFor(null);
    }

    static (HookPattern?, int)[] Patterns(IReadOnlyList<HookDeclaration> hooks, HookKind kind, out ulong asyncMask)
    {
        var mine = hooks.Where(h => h.Kind == kind).ToArray();
        if (mine.Length > 64) throw new AppLoadException($"The app registers {mine.Length} {kind} hooks; the gateway supports at most 64.");
        asyncMask = 0;
        for (var i = 0; i < mine.Length; i++)
            if (mine[i].IsAsync) asyncMask |= 1UL << i;
        return mine.Select(h => (h.Pattern is null ? null : new HookPattern(h.Pattern), h.Route)).ToArray();
    }

    public HookPlan PlanFor(RouteEntry? route)
    {
        var (before, beforeChecks) = Plan(_before, route);
        var (after, afterChecks) = Plan(_after, route);
        return new HookPlan(route, before, after, beforeChecks, afterChecks);
    }

    static (ulong, (ulong, HookPattern)[]) Plan((HookPattern? Pattern, int Route)[] hooks, RouteEntry? route)
    {
        ulong always = 0;
        var checks = new List<(ulong, HookPattern)>();
        for (var i = 0; i < hooks.Length; i++)
        {
            var bit = 1UL << i;
            var relation = hooks[i] switch
            {
                { Route: >= 0 } bound => bound.Route == route?.Index ? HookRelation.Always : HookRelation.Never,
                { Pattern: null } => HookRelation.Always,
                { Pattern: { } pattern } when route is null => HookRelation.Check,
                { Pattern: { } pattern } => pattern.RelationTo(route!.Pattern),
            };
            if (relation == HookRelation.Always) always |= bit;
            else if (relation == HookRelation.Check) checks.Add((bit, hooks[i].Pattern!));
        }
        return (always, checks.ToArray());
    }

    /// <summary>The masks of the hooks that apply to this request.</summary>
    public static (ulong Before, ulong After) Resolve(HookPlan plan, ReadOnlySpan<char> path)
    {
        if (path.Length > 1 && path[^1] == '/') path = path[..^1];
        var before = plan.Before;
        foreach (var (bit, pattern) in plan.BeforeChecks)
            if (pattern.Matches(path)) before |= bit;
        var after = plan.After;
        foreach (var (bit, pattern) in plan.AfterChecks)
            if (pattern.Matches(path)) after |= bit;
        return (before, after);
    }
}
