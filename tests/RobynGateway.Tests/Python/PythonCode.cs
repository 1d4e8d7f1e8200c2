using RobynGateway.Python;

namespace RobynGateway.Tests.Python;

/// <summary>Python source run from a test, through builtins' eval and exec (the GIL held).</summary>
internal static class PythonCode
{
    /// <summary>The value of <paramref name="expression"/>.</summary>
    public static PyHandle Eval(string expression, GilHeld gil)
    {
        using var builtins = PyHandle.Import("builtins", gil);
        using var names = builtins.CallMethod("dict", gil); // eval called from C has no frame to take globals from
        return builtins.CallMethod("eval", gil, expression, names);
    }

    /// <summary>Runs <paramref name="code"/> in a fresh namespace and returns the namespace (a dict).</summary>
    public static PyHandle Exec(string code, GilHeld gil)
    {
        using var builtins = PyHandle.Import("builtins", gil);
        var names = builtins.CallMethod("dict", gil);
        builtins.CallMethod("exec", gil, code, names).Dispose();
        return names;
    }

    /// <summary><c>names[name]</c></summary>
    public static PyHandle Get(this PyHandle names, string name, GilHeld gil) => names.CallMethod("__getitem__", gil, name);
}
