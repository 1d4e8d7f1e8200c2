namespace RobynGateway.Python;

/// <summary>
/// Converts a Python header tuple (<c>name, value, name, value, ...</c>) to .NET strings.
/// The tuples the dispatcher reuses for every response (its <c>const_headers</c>, e.g.
/// <c>("content-type", "application/json")</c>) are converted once and found again by object
/// identity: they live as long as the app, so their addresses cannot be reused by other objects.
/// A tuple that is malformed or carries CR, LF or NUL converts to null.
/// </summary>
internal sealed unsafe class HeaderCache
{
    readonly BorrowedRef[] _keys;
    readonly KeyValuePair<string, string>[][] _values;

    /// <param name="constants">Borrowed pointers to the app's constant header tuples (kept alive by the app).</param>
    public HeaderCache(IReadOnlyList<BorrowedRef> constants, GilHeld gil)
    {
        _keys = constants.ToArray();
        _values = new KeyValuePair<string, string>[_keys.Length][];
        for (var i = 0; i < _keys.Length; i++)
            _values[i] = Convert(_keys[i], gil) ?? throw new InvalidOperationException("robyn._bridge gave a malformed constant header tuple.");
    }

    public KeyValuePair<string, string>[]? Get(BorrowedRef tuple, GilHeld gil)
    {
        for (var i = 0; i < _keys.Length; i++)
            if (_keys[i].Is(tuple)) return _values[i];
        return Convert(tuple, gil);
    }

    // A CR or LF would let a header value start another header (response splitting); Kestrel
    // refuses them too, but only after the handler's answer is lost. NUL is refused likewise.
    static bool IsSafe(string text) => text.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;

    static KeyValuePair<string, string>[]? Convert(BorrowedRef tuple, GilHeld gil)
    {
        var size = CApi.PyTuple_Size(tuple);
        if (size < 0 || size % 2 != 0)
        {
            CApi.PyErr_Clear();
            return null;
        }
        var headers = new KeyValuePair<string, string>[size / 2];
        for (var i = 0; i < headers.Length; i++)
        {
            var name = CApi.ToManagedString(CApi.PyTuple_GetItem(tuple, 2 * i));
            var value = CApi.ToManagedString(CApi.PyTuple_GetItem(tuple, 2 * i + 1));
            if (name is null || value is null || !IsSafe(name) || !IsSafe(value)) return null;
            headers[i] = new(name, value);
        }
        return headers;
    }
}
