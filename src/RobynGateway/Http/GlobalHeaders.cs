using Microsoft.Extensions.Primitives;
using RobynGateway.Python;

namespace RobynGateway.Http;

/// <summary>
/// The app's global headers (<c>add_/set_response_header</c>, <c>add_/set_request_header</c>,
/// <c>exclude_response_headers_for</c>), applied in C# so they cost Python nothing.
/// Response headers go on every answer the app gives, 404s and 500s included (not on static files,
/// CORS preflights or 405s, which the HTTP layer answers), and only under names the answer lacks:
/// a handler's or hook's own value wins and nothing is duplicated.
/// </summary>
internal sealed class GlobalHeaders
{
    readonly (string Name, StringValues Values)[] _response;
    readonly IReadOnlySet<string> _excludedPaths;
    readonly RequestHeaderRule[] _request;
    readonly HashSet<string> _replaced;

    public GlobalHeaders(AppDeclarations app)
    {
        _response = app.ResponseHeaders.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => (g.Key, new StringValues(g.Select(h => h.Value).ToArray()))).ToArray();
        _excludedPaths = app.ExcludedPaths;
        _request = app.RequestHeaders.ToArray();
        _replaced = new HashSet<string>(_request.Where(r => r.Replace).Select(r => r.Name), StringComparer.OrdinalIgnoreCase);
    }

    public bool HasRequestRules => _request.Length > 0;

    /// <summary>Adds the global response headers the answer lacks, unless its path is excluded.</summary>
    public void ApplyTo(HttpContext context)
    {
        if (_response.Length == 0) return;
        if (_excludedPaths.Count > 0)
        {
            var path = context.Request.Path.Value.AsSpan();
            if (path.Length > 1 && path[^1] == '/') path = path[..^1];
            if (_excludedPaths.Contains(path.ToString())) return;
        }
        var headers = context.Response.Headers;
        foreach (var (name, values) in _response)
            if (!headers.ContainsKey(name)) headers[name] = values;
    }

    /// <summary>Whether a client's header of this name is dropped for the app's own (<c>set_request_header</c>).</summary>
    public bool Replaces(string name) => _replaced.Contains(name);

    /// <summary>The headers every request gets, after the client's.</summary>
    public ReadOnlySpan<RequestHeaderRule> RequestRules => _request;
}
