namespace RobynGateway.Python;

/// <summary>
/// The request fields C# passes to every dispatcher, in order (docs/bridge-protocol.md, "Request
/// fields passed by C#"): after the route index, or after a first hook stage's exchange, mask and
/// index. Declared once on each side: this enum and robyn._wire.REQUEST_FIELDS, pinned together by
/// WireFieldsTests (names in snake_case there).
/// </summary>
internal enum RequestField { Method, Path, Query, Headers, Body, Params, ClientIp, Host, Scheme, Parts }

/// <summary>
/// The result tuple's fields (docs/bridge-protocol.md, "Result tuple"): a 3-tuple carries the first
/// three, a 5-tuple all five. Pinned to robyn._wire.RESULT_FIELDS; its kinds are <see cref="ResultKind"/>.
/// </summary>
internal enum ResultField { Status, Headers, Body, Kind, Aux }

internal static class WireFields
{
    /// <summary>How many request fields follow the index (or the exchange, mask and index).</summary>
    public const int RequestCount = (int)RequestField.Parts + 1;
}
