using System.Text;

namespace RobynGateway.Python;

// Design notes: the cold path's Python objects.
//
// Start, stop, health runs and the TestClient's attach read and call Python a few dozen times per
// start: loading the app, reading its route table and declarations, running its lifecycle. They
// do it through PyHandle, a reference we own (a NewRef in a class, so that `using var` and fields
// keep it), and a handful of operations that each:
//  - take a GilHeld, as every function that needs the GIL (Gil.cs);
//  - turn a Python error into a PythonError holding its traceback, so a failed step throws instead
//    of returning a null that the next call would crash on;
//  - release what they made: a PyHandle left undisposed keeps its object alive (there is no
//    finalizer, which would run on a thread without the GIL).
// The per-request path never comes here: it calls CApi directly with NewRef/BorrowedRef (PyRef.cs).

/// <summary>An owned Python object on the cold path (see the design notes); released on Dispose.</summary>
internal sealed unsafe class PyHandle : IDisposable
{
    NewRef _ref;

    PyHandle(NewRef owned) => _ref = owned;

    /// <summary>The object, lent for a call; valid while this handle is not disposed.</summary>
    public BorrowedRef Ref => _ref.Borrow();

    /// <summary>Takes over <paramref name="owned"/>; a null one means the call that made it failed, and throws its error.</summary>
    public static PyHandle Take(NewRef owned, GilHeld gil) => owned.IsNull ? throw PythonError.Fetch(gil) : new(owned);

    /// <summary>A handle of our own on an object someone else keeps.</summary>
    public static PyHandle Borrow(BorrowedRef borrowed, GilHeld gil) => new(borrowed.NewReference());

    /// <summary><c>import name</c></summary>
    public static PyHandle Import(string name, GilHeld gil)
    {
        fixed (byte* utf8 = Utf8(name)) return Take(CApi.PyImport_ImportModule(utf8), gil);
    }

    /// <summary>A Python value for a .NET one: str, int, float, bool, None, or the object itself.</summary>
    public static PyHandle From(object? value, GilHeld gil) => value switch
    {
        null => new(CApi.NewNone()),
        PyHandle h => Borrow(h.Ref, gil),
        BorrowedRef r => Borrow(r, gil),
        string s => Take(PyConstants.Str(s), gil),
        bool b => new(CApi.NewBool(b)),
        int i => Take(CApi.PyLong_FromLongLong(i), gil),
        long l => Take(CApi.PyLong_FromLongLong(l), gil),
        double d => Take(CApi.PyFloat_FromDouble(d), gil),
        _ => throw new ArgumentException($"no Python value for a {value.GetType().Name}", nameof(value)),
    };

    /// <summary>A new list of the values, each as <see cref="From"/> makes it.</summary>
    public static PyHandle List(GilHeld gil, params object?[] items) =>
        Filled(CApi.PyList_New(items.Length), CApi.PyList_SetItem, items, gil);

    /// <summary>
    /// Fills a new tuple or list (<paramref name="setItem"/> steals each item); a value that cannot
    /// be converted releases the container and the items converted so far, then throws.
    /// </summary>
    static PyHandle Filled(NewRef made, delegate* unmanaged<BorrowedRef, nint, nint, int> setItem, object?[] values, GilHeld gil)
    {
        var container = Take(made, gil);
        try
        {
            for (var i = 0; i < values.Length; i++)
                setItem(container.Ref, i, From(values[i], gil).Release().Steal()); // the container owns it now
            return container;
        }
        catch
        {
            container.Dispose();
            throw;
        }
    }

    /// <summary><c>self.name</c></summary>
    public PyHandle GetAttr(string name, GilHeld gil)
    {
        fixed (byte* utf8 = Utf8(name)) return Take(CApi.PyObject_GetAttrString(Ref, utf8), gil);
    }

    /// <summary><c>self.name = value</c></summary>
    public void SetAttr(string name, object? value, GilHeld gil)
    {
        using var v = From(value, gil);
        fixed (byte* utf8 = Utf8(name))
            if (CApi.PyObject_SetAttrString(Ref, utf8, v.Ref) != 0) throw PythonError.Fetch(gil);
    }

    /// <summary><c>self(*args)</c>, each argument as <see cref="From"/> makes it.</summary>
    public PyHandle Call(GilHeld gil, params object?[] args)
    {
        using var tuple = Filled(CApi.PyTuple_New(args.Length), CApi.PyTuple_SetItem, args, gil);
        return Take(CApi.PyObject_Call(Ref, tuple.Ref, default), gil);
    }

    /// <summary><c>self.name(*args)</c></summary>
    public PyHandle CallMethod(string name, GilHeld gil, params object?[] args)
    {
        using var method = GetAttr(name, gil);
        return method.Call(gil, args);
    }

    /// <summary><c>self[index]</c></summary>
    public PyHandle Item(int index, GilHeld gil) => Take(CApi.PySequence_GetItem(Ref, index), gil);

    /// <summary>Each item of an iterable, read by <paramref name="read"/> while the item is alive.</summary>
    public List<T> Select<T>(GilHeld gil, Reader<T> read)
    {
        var items = new List<T>();
        using var iterator = Take(CApi.PyObject_GetIter(Ref), gil);
        while (true)
        {
            var next = CApi.PyIter_Next(iterator.Ref);
            if (next.IsNull)
            {
                if (!CApi.PyErr_Occurred().IsNull) throw PythonError.Fetch(gil);
                return items;
            }
            using var item = new PyHandle(next);
            items.Add(read(item, gil));
        }
    }

    /// <summary>Reads one item of an iterable (<see cref="Select"/>); the GIL is held.</summary>
    public delegate T Reader<T>(PyHandle item, GilHeld gil);

    public bool IsNone => Ref.Is(CApi.None);

    /// <summary>The str's text; a PythonError when it is not a str.</summary>
    public string Text(GilHeld gil)
    {
        nint size;
        var utf8 = CApi.PyUnicode_AsUTF8AndSize(Ref, &size);
        return utf8 == null ? throw PythonError.Fetch(gil) : Encoding.UTF8.GetString(utf8, (int)size);
    }

    /// <summary><c>str(self)</c></summary>
    public string Str(GilHeld gil)
    {
        using var str = Take(CApi.PyObject_Str(Ref), gil);
        return str.Text(gil);
    }

    public long Long(GilHeld gil)
    {
        var value = CApi.PyLong_AsLongLong(Ref);
        return value == -1 && !CApi.PyErr_Occurred().IsNull ? throw PythonError.Fetch(gil) : value;
    }

    public int Int(GilHeld gil) => checked((int)Long(gil));

    public double Double(GilHeld gil)
    {
        var value = CApi.PyFloat_AsDouble(Ref);
        return value == -1 && !CApi.PyErr_Occurred().IsNull ? throw PythonError.Fetch(gil) : value;
    }

    /// <summary><c>bool(self)</c></summary>
    public bool Truth(GilHeld gil)
    {
        var value = CApi.PyObject_IsTrue(Ref);
        return value < 0 ? throw PythonError.Fetch(gil) : value == 1;
    }

    // Readers of one item of a tuple, for the declarations' rows.
    public string TextAt(int index, GilHeld gil) { using var item = Item(index, gil); return item.Text(gil); }
    public string? TextOrNoneAt(int index, GilHeld gil) { using var item = Item(index, gil); return item.IsNone ? null : item.Text(gil); }
    public int IntAt(int index, GilHeld gil) { using var item = Item(index, gil); return item.Int(gil); }
    public double DoubleAt(int index, GilHeld gil) { using var item = Item(index, gil); return item.Double(gil); }
    public double? DoubleOrNoneAt(int index, GilHeld gil) { using var item = Item(index, gil); return item.IsNone ? null : item.Double(gil); }
    public bool TruthAt(int index, GilHeld gil) { using var item = Item(index, gil); return item.Truth(gil); }
    public List<string> TextsAt(int index, GilHeld gil) { using var item = Item(index, gil); return item.Texts(gil); }

    /// <summary>An iterable of str as a list.</summary>
    public List<string> Texts(GilHeld gil) => Select(gil, static (s, g) => s.Text(g));

    /// <summary>Hands the reference on, to a tuple or list slot that steals it; this handle is empty after.</summary>
    NewRef Release()
    {
        var owned = _ref;
        _ref = default;
        return owned;
    }

    /// <summary>Drops the reference. Needs the GIL, as every Py_DecRef.</summary>
    public void Dispose()
    {
        _ref.Dispose();
        _ref = default;
    }

    static byte[] Utf8(string name) => Encoding.UTF8.GetBytes(name + "\0");
}
