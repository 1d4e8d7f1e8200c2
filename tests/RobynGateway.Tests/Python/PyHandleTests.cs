using Microsoft.Extensions.DependencyInjection;
using RobynGateway.Python;

namespace RobynGateway.Tests.Python;

/// <summary>
/// The cold path's object (Python/PyHandle.cs): a Python error becomes a PythonError with the
/// exception's type, text and traceback, and leaves no error pending; a call balances the
/// reference counts of what it was given; values convert both ways.
/// </summary>
public sealed class PyHandleTests(CoreAppFactory factory) : IClassFixture<CoreAppFactory>
{
    void Started() => _ = factory.Services.GetRequiredService<PythonApp>(); // the interpreter, with robyn on its path

    /// <summary>The PythonError <paramref name="action"/> throws (a lambda cannot capture a GilHeld: it gets its own).</summary>
    static PythonError Raises(Action<GilHeld> action)
    {
        try
        {
            action(GilHeld.Checked());
        }
        catch (PythonError error)
        {
            return error;
        }
        throw new Xunit.Sdk.XunitException("no PythonError was thrown");
    }

    [Fact]
    public unsafe void Importing_a_missing_module_throws_its_error_with_the_traceback_and_leaves_none_pending()
    {
        Started();
        using var scope = Gil.Acquire();
        var error = Raises(g => PyHandle.Import("no_such_module_here", g));
        Assert.Equal("ModuleNotFoundError", error.Type);
        Assert.Equal("ModuleNotFoundError: No module named 'no_such_module_here'", error.Message);
        Assert.EndsWith("ModuleNotFoundError: No module named 'no_such_module_here'\n", error.Format());
        Assert.True(CApi.PyErr_Occurred().IsNull);
    }

    [Fact]
    public unsafe void A_function_that_raises_gives_its_own_traceback_lines()
    {
        Started();
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        using var names = PythonCode.Exec("def fail(n):\n    raise ValueError(f'bad {n}')\n", gil);
        using var fail = names.Get("fail", gil);
        var error = Raises(g => fail.Call(g, 7));
        Assert.Equal("ValueError", error.Type);
        Assert.StartsWith("Traceback (most recent call last):\n", error.Format());
        Assert.Contains("in fail", error.Format());
        Assert.EndsWith("ValueError: bad 7\n", error.Format());
        Assert.True(CApi.PyErr_Occurred().IsNull);
    }

    [Fact]
    public unsafe void When_formatting_the_traceback_raises_in_turn_the_error_is_still_told_with_its_frames()
    {
        // As 3.15.0's traceback module does for a failed import of a broken package: it imports the
        // package again to look for an incompatible extension module, and that raises too. Each
        // failure used to fetch the next, until the stack overflowed.
        Started();
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        using var names = PythonCode.Exec(
            "import traceback\n" +
            "def fail(n):\n    raise ValueError(f'bad {n}')\n" +
            "def broken(*args, **kwargs):\n    raise ImportError('the traceback module is broken')\n" +
            "def formatting_breaks():\n    traceback.format_exception, kept = broken, traceback.format_exception\n    return kept\n" +
            "def formatting_works(kept):\n    traceback.format_exception = kept\n", gil);
        using var fail = names.Get("fail", gil);
        using var breaks = names.Get("formatting_breaks", gil);
        using var works = names.Get("formatting_works", gil);
        using var kept = breaks.Call(gil);
        PythonError error;
        try { error = Raises(g => fail.Call(g, 7)); }
        finally { works.Call(gil, kept).Dispose(); }
        Assert.Equal("ValueError", error.Type);
        Assert.Equal("ValueError: bad 7", error.Message);
        Assert.StartsWith("Traceback (most recent call last):\n", error.Format());
        Assert.Contains("in fail", error.Format());
        Assert.EndsWith("ValueError: bad 7\n", error.Format());
        Assert.True(CApi.PyErr_Occurred().IsNull);
    }

    [Fact]
    public unsafe void Reading_a_value_of_the_wrong_type_throws_instead_of_returning_garbage()
    {
        Started();
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        using var number = PythonCode.Eval("42", gil);
        using var text = PythonCode.Eval("'42'", gil);
        using var huge = PythonCode.Eval("2 ** 80", gil);
        Assert.Equal(42, number.Int(gil));
        Assert.Equal("42", text.Text(gil));
        Assert.Equal("TypeError", Raises(g => number.Text(g)).Type);
        Assert.Equal("TypeError", Raises(g => text.Long(g)).Type);
        Assert.Equal("OverflowError", Raises(g => huge.Long(g)).Type);
        Assert.Equal("TypeError", Raises(g => text.Double(g)).Type);
        Assert.True(CApi.PyErr_Occurred().IsNull);
    }

    [Fact]
    public unsafe void An_iterator_that_raises_midway_throws_its_error()
    {
        Started();
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        using var names = PythonCode.Exec("def items():\n    yield 'a'\n    raise KeyError('gone')\n", gil);
        using var items = names.Get("items", gil);
        using var generator = items.Call(gil);
        var seen = new List<string>();
        var error = Raises(g => generator.Select(g, (item, g2) =>
        {
            var text = item.Text(g2);
            seen.Add(text);
            return text;
        }));
        Assert.Equal(["a"], seen);
        Assert.Equal("KeyError", error.Type);
        Assert.True(CApi.PyErr_Occurred().IsNull);
    }

    [Fact]
    public unsafe void A_call_returns_what_it_was_given_and_keeps_no_reference_to_it()
    {
        Started();
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        using var names = PythonCode.Exec("def echo(*args):\n    return args\n", gil);
        using var echo = names.Get("echo", gil);
        using var kept = PythonCode.Eval("object()", gil);
        using var sys = PyHandle.Import("sys", gil);
        long Count(GilHeld g)
        {
            using var count = sys.CallMethod("getrefcount", g, kept);
            return count.Long(g);
        }
        var before = Count(gil);
        using (var answer = echo.Call(gil, "text", 7, 2.5, true, null, kept, kept.Ref))
        {
            Assert.Equal("text", answer.TextAt(0, gil));
            Assert.Equal(7, answer.IntAt(1, gil));
            Assert.Equal(2.5, answer.DoubleAt(2, gil));
            Assert.True(answer.TruthAt(3, gil));
            using var none = answer.Item(4, gil);
            Assert.True(none.IsNone);
            using var same = answer.Item(5, gil);
            Assert.True(same.Ref.Is(kept.Ref));
            Assert.Equal(before + 3, Count(gil)); // the answer's tuple holds it twice, same once
        }
        Assert.Equal(before, Count(gil));
        // A .NET value with no Python counterpart: refused before the call, what was converted released.
        var refused = false;
        try { echo.Call(gil, kept, new object()).Dispose(); }
        catch (ArgumentException) { refused = true; }
        Assert.True(refused);
        Assert.Equal(before, Count(gil));
        // The same for a list: the list made so far, and what it held, are released.
        refused = false;
        try { PyHandle.List(gil, kept, kept, new object()).Dispose(); }
        catch (ArgumentException) { refused = true; }
        Assert.True(refused);
        Assert.Equal(before, Count(gil));
        using (var list = PyHandle.List(gil, kept, "text"))
        {
            Assert.Equal(before + 1, Count(gil));
            Assert.Equal("text", list.TextAt(1, gil));
        }
        Assert.Equal(before, Count(gil));
    }
}
