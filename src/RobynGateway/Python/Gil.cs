using System.Diagnostics;

namespace RobynGateway.Python;

// Design notes: who holds the GIL, and how the compiler keeps track.
//
// A thread comes to hold the GIL in one of four ways, and each has one entry here:
//  1. Our own Python threads (sync workers, stream threads, the watchdog's probe) keep one
//     permanent thread state and take the GIL with PyEval_RestoreThread: Gil.Restore(state),
//     given back with Gil.Save(held). No per-take allocation: this is the per-request path.
//  2. Cold paths (load, start, stop, the TestClient's calls, which ctypes makes without the GIL)
//     use PyGILState_Ensure: `using var gil = Gil.Acquire();`, then gil.Held.
//  3. Python calls our builtins (complete, drain, log, the websocket functions) and CPython holds
//     the GIL around every call into C: GilHeld.InCallback() at the top of each entry. One of
//     them, complete(), may let it go for a stretch of C# work (Gil.Release) and takes it back
//     with Gil.Restore before it returns to Python.
//  4. Nothing else: no other code calls PyEval_RestoreThread, PyGILState_Ensure or Py.GIL().
//
// Every function that needs the GIL takes a GilHeld parameter. GilHeld is an empty ref struct: it
// cannot be stored in a field or a lambda, nor live across an await (the compiler refuses all three),
// so a method can only have one if its caller took the GIL on this thread, in this synchronous
// stretch of code. In Release it carries nothing (an empty struct, passed in a register the callee
// ignores); Debug builds ask CPython (PyGILState_Check) whenever one is made, and throw if the
// thread does not hold the GIL.

/// <summary>Proof that this thread holds the GIL (see the design notes above).</summary>
internal readonly ref struct GilHeld
{
    /// <summary>In a builtin Python called: CPython holds the GIL around every call into C.</summary>
    public static GilHeld InCallback() => Checked();

    internal static GilHeld Checked()
    {
        Check();
        return default;
    }

    [Conditional("DEBUG")]
    static unsafe void Check()
    {
        if (CApi.PyGILState_Check() == 0)
            throw new InvalidOperationException("A GilHeld was made on a thread that does not hold the GIL.");
    }
}

/// <summary>The one place that takes and gives back the GIL.</summary>
internal static unsafe class Gil
{
    /// <summary>Takes the GIL with this thread's permanent thread state.</summary>
    public static GilHeld Restore(nint threadState)
    {
        CApi.PyEval_RestoreThread(threadState);
        return GilHeld.Checked();
    }

    /// <summary>Gives the GIL back; this thread keeps its thread state for the next <see cref="Restore"/>.</summary>
    public static void Save(GilHeld held) => CApi.PyEval_SaveThread();

    /// <summary>
    /// In a builtin Python called: lets the GIL go for a stretch of C# work, as a C extension's
    /// Py_BEGIN_ALLOW_THREADS does. The GilHeld of the callback means nothing until
    /// <see cref="Restore"/>(the state this returns) takes it back, which must happen before the
    /// builtin returns to Python.
    /// </summary>
    public static nint Release(GilHeld held) => CApi.PyEval_SaveThread();

    /// <summary>
    /// Cold paths: takes the GIL with the thread's own state (PyGILState_Ensure, which makes one
    /// for a thread Python has not seen), given back on Dispose. Nests.
    /// </summary>
    public static Scope Acquire() => new(CApi.PyGILState_Ensure());

    /// <summary>The GIL taken by <see cref="Acquire"/>.</summary>
    public readonly ref struct Scope(int state)
    {
        public GilHeld Held => GilHeld.Checked();

        public void Dispose() => CApi.PyGILState_Release(state);
    }
}
