using RobynGateway.Http;

namespace RobynGateway.Python;

/// <summary>
/// One route the app registered in Python, bound once at start-up: everything the per-request path
/// needs is decided here (which thread runs it, which path parameters to pass, its index object).
/// Also the endpoint metadata that marks an endpoint as ours.
/// </summary>
internal sealed class RouteEntry(int index, string method, string pattern, bool isAsync, string[] paramNames, BorrowedRef indexObject,
    double? timeout = null)
{
    /// <summary>The route's position in the app's route table (what Python calls it by).</summary>
    public int Index { get; } = index;

    public string Method { get; } = method;

    /// <summary>Robyn syntax, normalised: <c>/users/:id</c>, <c>/files/*rest</c>.</summary>
    public string Pattern { get; } = pattern;
    public bool IsAsync { get; } = isAsync;
    public string[] ParamNames { get; } = paramNames;

    /// <summary>The route's index as a Python int, kept alive by the app's route table.</summary>
    public BorrowedRef IndexObject { get; } = indexObject;

    /// <summary>The route's own <c>timeout=</c> in seconds (0: none); null follows <c>--timeout</c>.</summary>
    public double? Timeout { get; } = timeout;

    /// <summary>For a const route, its answer, set at start before the server opens the port.</summary>
    public ConstAnswer? Const { get; set; }

    public override string ToString() => $"{Method} {Pattern}";
}
