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

    // Set while this thread formats an error: formatting goes through PyHandle, whose failures
    // fetch their own error, and an error that formatting raised is not formatted in turn (when
    // formatting failed every time, each failure fetched the next: on 3.15 an app whose import
    // failed overflowed the stack instead of saying why).
    [ThreadStatic] static bool t_formatting;

    /// <summary>Takes the pending Python error (clearing it) into a PythonError.</summary>
    public static unsafe PythonError Fetch(GilHeld gil)
    {
        if (t_formatting) return new PythonError("Exception", CApi.TakeErrorText(gil), "");
        nint type, value, traceback;
        CApi.PyErr_Fetch(&type, &value, &traceback);
        if (type == 0) return new PythonError("SystemError", "a Python call failed without an error set", "");
        CApi.PyErr_NormalizeException(&type, &value, &traceback);
        using var typeRef = new NewRef(type);
        using var valueRef = new NewRef(value);
        using var tracebackRef = new NewRef(traceback);
        if (traceback != 0) CApi.PyException_SetTraceback(valueRef.Borrow(), tracebackRef.Borrow());
        using var exception = PyHandle.Borrow(valueRef.Borrow(), gil);
        t_formatting = true;
        try
        {
            using var cls = exception.GetAttr("__class__", gil);
            using var name = cls.GetAttr("__name__", gil);
            var (typeName, message) = (name.Text(gil), exception.Str(gil));
            using var tb = PyHandle.Import("traceback", gil);
            return new PythonError(typeName, message, Formatted(tb, exception, typeName, message, gil));
        }
        catch (PythonError inner)
        {
            // The exception's own __str__ or the traceback module failed: say what is known.
            return new PythonError("Exception", inner.Message, inner.Message);
        }
        finally
        {
            t_formatting = false;
        }
    }

    /// <summary>
    /// What <c>traceback.format_exception</c> writes; when that raises itself (3.15.0's looks for an
    /// incompatible extension module by importing the failed import's package, which fails again),
    /// the frames and the last line alone, as Python's own excepthook falls back to.
    /// </summary>
    static string Formatted(PyHandle tb, PyHandle exception, string typeName, string message, GilHeld gil)
    {
        try
        {
            using var lines = tb.CallMethod("format_exception", gil, exception);
            return string.Concat(lines.Texts(gil));
        }
        catch (PythonError)
        {
            using var frames = exception.GetAttr("__traceback__", gil);
            using var lines = tb.CallMethod("format_tb", gil, frames);
            var stack = string.Concat(lines.Texts(gil));
            return (stack.Length > 0 ? "Traceback (most recent call last):\n" + stack : "") + $"{typeName}: {message}\n";
        }
    }
}
