using Python.Runtime;

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
    public static AppDeclarations Read(PyObject loaded, GilHeld gil)
    {
        using var mounts = loaded.GetAttr("directories");
        using var cors = loaded.GetAttr("cors");
        using var responseHeaders = loaded.GetAttr("response_headers");
        using var requestHeaders = loaded.GetAttr("request_headers");
        using var excluded = loaded.GetAttr("excluded_paths");
        using var hooks = loaded.GetAttr("hooks");
        var flat = Strings(responseHeaders);
        return new AppDeclarations(
            new PyIterable(mounts).Select(m => new StaticMount(
                m[0].As<string>(), m[1].As<string>(), m[2].IsNone() ? null : m[2].As<string>(), m[3].As<bool>())).ToList(),
            cors.IsNone() ? null : new CorsDeclaration(Strings(cors[0]), Strings(cors[1])),
            Enumerable.Range(0, flat.Count / 2).Select(i => KeyValuePair.Create(flat[2 * i], flat[2 * i + 1])).ToList(),
            new PyIterable(requestHeaders).Select(h => new RequestHeaderRule(
                h[0].As<string>(), h[1].As<string>(), h[2].As<bool>())).ToList(),
            Strings(excluded).ToHashSet(StringComparer.Ordinal),
            new PyIterable(hooks).Select(h => new HookDeclaration(
                h[0].As<string>() == "before" ? HookKind.Before : HookKind.After,
                h[1].IsNone() ? null : h[1].As<string>(),
                h[2].As<bool>(),
                h[3].As<int>())).ToList());
    }

    static List<string> Strings(PyObject sequence) => new PyIterable(sequence).Select(s => s.As<string>()).ToList();
}
