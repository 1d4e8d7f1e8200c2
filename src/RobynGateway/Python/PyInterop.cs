using Python.Runtime;

namespace RobynGateway.Python;

/// <summary>
/// The seam between pythonnet objects (start-up, cold path) and raw pointers (the hot path).
/// pythonnet 3 keeps its pointer constructors internal, so a raw object reaches pythonnet through
/// a one-item list; cold path only. The caller holds the GIL.
/// </summary>
internal static unsafe class PyInterop
{
    /// <summary>The object's address; valid while the PyObject (or another owner) keeps it alive.</summary>
#pragma warning disable CS0612 // Handle is obsolete in favour of internal reference types we cannot use.
    public static BorrowedRef Address(PyObject obj) => new(obj.Handle);
#pragma warning restore CS0612

    /// <summary>A pythonnet handle on a borrowed raw object (takes its own reference).</summary>
    public static PyObject Wrap(BorrowedRef borrowed)
    {
        using var holder = new PyList([PyObject.None]);
        CApi.PyList_SetItem(Address(holder), 0, borrowed.NewReference().Steal());
        return holder[0];
    }

    /// <summary>A pythonnet handle that takes over <paramref name="owned"/>.</summary>
    public static PyObject Take(NewRef owned)
    {
        using (owned) return Wrap(owned.Borrow());
    }
}
