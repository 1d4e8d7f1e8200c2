namespace RobynGateway.Python;

/// <summary>
/// A Python exception raised on the cold path (PyHandle), taken from the interpreter with its
/// traceback: <see cref="Format"/> is what Python would print for it, which start-up errors
/// (an app that fails to load, a startup handler that raises) show the user.
/// </summary>
internal sealed class PythonError(string type, string message, string formatted) : Exception($"{type}: {message}")
{
    /// <summary>The exception's class name (<c>SystemExit</c>, <c>ImportError</c>).</summary>
    public string Type { get; } = type;

    /// <summary>The traceback as <c>traceback.format_exception</c> writes it.</summary>
    public string Format() => formatted;

    /// <summary>Takes the pending Python error (clearing it) into a PythonError.</summary>
    public static unsafe PythonError Fetch(GilHeld gil)
    {
        nint type, value, traceback;
        CApi.PyErr_Fetch(&type, &value, &traceback);
        if (type == 0) return new PythonError("SystemError", "a Python call failed without an error set", "");
        CApi.PyErr_NormalizeException(&type, &value, &traceback);
        using var typeRef = new NewRef(type);
        using var valueRef = new NewRef(value);
        using var tracebackRef = new NewRef(traceback);
        if (traceback != 0) CApi.PyException_SetTraceback(valueRef.Borrow(), tracebackRef.Borrow());
        using var exception = PyHandle.Borrow(valueRef.Borrow(), gil);
        try
        {
            using var cls = exception.GetAttr("__class__", gil);
            using var name = cls.GetAttr("__name__", gil);
            using var tb = PyHandle.Import("traceback", gil);
            using var lines = tb.CallMethod("format_exception", gil, exception);
            return new PythonError(name.Text(gil), exception.Str(gil), string.Concat(lines.Texts(gil)));
        }
        catch (PythonError inner)
        {
            // The exception's own __str__ or the traceback module failed: say what is known.
            return new PythonError("Exception", inner.Message, inner.Message);
        }
    }
}
