namespace RobynGateway.Python;

// Design notes: who releases a Python object.
//
// CPython's C-API hands out two kinds of pointer. A new reference is owned: exactly one owner must
// end it, with Py_DecRef or by handing it to a function that steals it (PyTuple_SetItem). A borrowed
// reference is owned by someone else (a tuple its item, the app the objects it keeps, Python the
// arguments of a call into C) and is valid while that owner keeps it; it is never released here.
// The two are distinct types so that the signatures in CApi.cs say which is which, and mixing them
// up is a compile error rather than a leak or a double free:
//  - NewRef: Dispose() drops it, Steal() hands the bare pointer to whoever takes ownership (a tuple
//    slot, a vectorcall's argument array that CallMarshaller releases, Python as a C function's
//    result, a field that a later ReleaseFinished drops), Borrow() lends it for a call.
//  - BorrowedRef: NewReference() takes a reference of our own (Py_IncRef).
// Both are readonly structs around one pointer: the same size and calling convention as a bare
// nint, so CApi's function pointers take and return them directly, at no cost. A null NewRef means
// the call that made it failed, with a Python error pending.

/// <summary>A reference we own: end it with <see cref="Dispose"/> or <see cref="Steal"/> (see the design notes).</summary>
internal readonly struct NewRef(nint address) : IDisposable
{
    readonly nint _address = address;

    public bool IsNull => _address == 0;

    /// <summary>Lends the object for a call; this NewRef still owns it.</summary>
    public BorrowedRef Borrow() => new(_address);

    /// <summary>Hands ownership on with the bare pointer: this NewRef must not be used again.</summary>
    public nint Steal() => _address;

    /// <summary>Drops the reference (nothing for a null one).</summary>
    public unsafe void Dispose()
    {
        if (_address != 0) CApi.Py_DecRef(_address);
    }

    public override string ToString() => $"NewRef 0x{_address:x}";
}

/// <summary>A reference someone else owns, valid while they keep it (see the design notes).</summary>
internal readonly struct BorrowedRef(nint address)
{
    public nint Address { get; } = address;

    public bool IsNull => Address == 0;

    /// <summary>A reference of our own to the same object (Py_IncRef).</summary>
    public unsafe NewRef NewReference()
    {
        CApi.Py_IncRef(Address);
        return new NewRef(Address);
    }

    /// <summary>Whether both name the same object (Python's <c>is</c>).</summary>
    public bool Is(BorrowedRef other) => Address == other.Address;

    public override string ToString() => $"BorrowedRef 0x{Address:x}";
}
