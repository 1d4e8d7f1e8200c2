namespace RobynGateway.Python;

/// <summary>A <c>serve_directory</c> mount; <see cref="Directory"/> is absolute.</summary>
internal sealed record StaticMount(string Route, string Directory, string? IndexFile, bool ShowListing);

/// <summary>What <c>ALLOW_CORS(app, origins, headers)</c> asked for; <c>"*"</c> among the origins allows any.</summary>
internal sealed record CorsDeclaration(IReadOnlyList<string> Origins, IReadOnlyList<string> Headers);

internal enum HookKind { Before, After }

/// <summary>
/// A before/after hook: global (no pattern, no route), scoped to a <see cref="Pattern"/>, or bound
/// to the one route whose index is <see cref="Route"/> (an <c>auth_required</c> route's check).
/// </summary>
internal sealed record HookDeclaration(HookKind Kind, string? Pattern, bool IsAsync, int Route = -1);

/// <summary>A global request header: appended to every request, replacing the client's values when <see cref="Replace"/>.</summary>
internal sealed record RequestHeaderRule(string Name, string Value, bool Replace);

/// <summary>
/// What the app declared besides its routes, read once at load (docs/bridge-protocol.md): the parts
/// the gateway serves without Python (static mounts, CORS, global headers) and the hooks it must
/// place in the pipeline.
/// </summary>
internal sealed record AppDeclarations(
    IReadOnlyList<StaticMount> StaticMounts,
    CorsDeclaration? Cors,
    IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders,
    IReadOnlyList<RequestHeaderRule> RequestHeaders,
    IReadOnlySet<string> ExcludedPaths,
    IReadOnlyList<HookDeclaration> Hooks)
{
    public static AppDeclarations Read(PyHandle loaded, GilHeld gil)
    {
        using var mounts = loaded.GetAttr("directories", gil);
        using var cors = loaded.GetAttr("cors", gil);
        using var responseHeaders = loaded.GetAttr("response_headers", gil);
        using var requestHeaders = loaded.GetAttr("request_headers", gil);
        using var excluded = loaded.GetAttr("excluded_paths", gil);
        using var hooks = loaded.GetAttr("hooks", gil);
        var flat = responseHeaders.Texts(gil);
        return new AppDeclarations(
            mounts.Select(gil, (m, g) => new StaticMount(m.TextAt(0, g), m.TextAt(1, g), m.TextOrNoneAt(2, g), m.TruthAt(3, g))),
            cors.IsNone ? null : new CorsDeclaration(cors.TextsAt(0, gil), cors.TextsAt(1, gil)),
            Enumerable.Range(0, flat.Count / 2).Select(i => KeyValuePair.Create(flat[2 * i], flat[2 * i + 1])).ToList(),
            requestHeaders.Select(gil, (h, g) => new RequestHeaderRule(h.TextAt(0, g), h.TextAt(1, g), h.TruthAt(2, g))),
            excluded.Texts(gil).ToHashSet(StringComparer.Ordinal),
            hooks.Select(gil, (h, g) => new HookDeclaration(
                h.TextAt(0, g) == "before" ? HookKind.Before : HookKind.After,
                h.TextOrNoneAt(1, g),
                h.TruthAt(2, g),
                h.IntAt(3, g))));
    }
}
