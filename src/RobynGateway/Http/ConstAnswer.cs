using RobynGateway.Python;

namespace RobynGateway.Http;

/// <summary>
/// What a <c>const=True</c> route answered when it ran once at start. A request no
/// hook applies to gets it straight from C#; with hooks, the handler stage hands Python the same
/// cached answer, and the handler is not run again.
/// </summary>
internal sealed class ConstAnswer(int status, KeyValuePair<string, string>[]? headers, byte[] body, ResultKind kind, string? aux)
{
    public int Status { get; } = status;
    public KeyValuePair<string, string>[]? Headers { get; } = headers;
    public byte[] Body { get; } = body;
    public ResultKind Kind { get; } = kind;
    public string? Aux { get; } = aux;

    /// <summary>Copies a call's answer out of it (the call goes back to the pool).</summary>
    public static ConstAnswer From(PythonCall call) =>
        new(call.Status, call.Headers, call.ResponseBody.AsSpan(0, call.ResponseLength).ToArray(), call.Kind, call.Aux);
}
