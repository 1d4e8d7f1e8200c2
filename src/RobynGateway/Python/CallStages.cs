namespace RobynGateway.Python;

/// <summary>
/// One row per <see cref="CallStage"/>: the Python function each side calls (a sync worker's, the
/// loop's), how the call is made, how its answer is read, and the stage's name for error messages.
/// PythonApp's stage runners look a call's stage up here instead of switching on it in each place
/// (docs/bridge-protocol.md, "Hook stages"). The functions are borrowed from the objects the app
/// keeps; the row's two operations are static function pointers: no allocation, no virtual call.
/// </summary>
internal sealed unsafe class CallStages
{
    readonly struct Row(
        string syncName, string asyncName, BorrowedRef sync, BorrowedRef async,
        delegate*<CallStages, BorrowedRef, PythonCall, long, GilHeld, NewRef> invoke,
        delegate*<CallStages, string, BorrowedRef, PythonCall, GilHeld, void> complete)
    {
        public readonly string SyncName = syncName, AsyncName = asyncName;
        public readonly BorrowedRef Sync = sync, Async = async;
        public readonly delegate*<CallStages, BorrowedRef, PythonCall, long, GilHeld, NewRef> Invoke = invoke;
        public readonly delegate*<CallStages, string, BorrowedRef, PythonCall, GilHeld, void> Complete = complete;
    }

    readonly Row[] _rows = new Row[7];
    readonly BorrowedRef _exchangeType; // a hooked request's first stage makes its Exchange
    readonly BorrowedRef _continue;     // a before hook's "go on" answer, compared by address
    readonly HeaderCache _headers;

    /// <param name="keep">Keeps an object alive for the app's life and lends it.</param>
    public CallStages(PyHandle loaded, Func<PyHandle, BorrowedRef> keep, HeaderCache headers, GilHeld gil)
    {
        _headers = headers;
        _exchangeType = keep(loaded.GetAttr("exchange_type", gil));
        _continue = keep(loaded.GetAttr("continue_result", gil));
        Row Make(string sync, string async, delegate*<CallStages, BorrowedRef, PythonCall, long, GilHeld, NewRef> invoke,
            delegate*<CallStages, string, BorrowedRef, PythonCall, GilHeld, void> complete, GilHeld gil, string? syncName = null,
            string? asyncName = null, string? name = null) =>
            new(syncName ?? name!, asyncName ?? name!, keep(loaded.GetAttr(sync, gil)), keep(loaded.GetAttr(async, gil)), invoke, complete);

        _rows[(int)CallStage.Dispatch] = Make("dispatch_sync", "dispatch_async", &Dispatch, &Answer, gil, "dispatch_sync", "dispatch");
        _rows[(int)CallStage.Before] = Make("before_sync", "before_async", &Hook, &HookAnswer, gil, name: "the before_request hooks");
        _rows[(int)CallStage.Handler] = Make("handle_sync", "handle_async", &Hook, &HookAnswer, gil, name: "the handler");
        _rows[(int)CallStage.After] = Make("after_sync", "after_async", &Hook, &HookAnswer, gil, name: "the after_request hooks");
        _rows[(int)CallStage.StreamNext] = Make("stream_next", "stream_next_async", &Stream, &Chunk, gil, name: "the streaming response");
        _rows[(int)CallStage.Socket] = Make("socket_event_sync", "socket_event_async", &Socket, &Session, gil, name: "the websocket event");
        // Sync only: HookStages fuses a request's stages only when all of them are sync.
        _rows[(int)CallStage.Hooked] = Make("hooked_sync", "hooked_sync", &Hooked, &HookedAnswer, gil, name: "the hooks and the handler");
    }

    /// <summary>
    /// Makes the call's trip into Python for its stage: on a sync worker (<paramref name="token"/> 0)
    /// the answer itself, on the loop the task's handle. Null with the Python error pending when it raised.
    /// </summary>
    public NewRef Invoke(PythonCall call, long token, GilHeld gil)
    {
        ref readonly var row = ref _rows[(int)call.Stage];
        return row.Invoke(this, token == 0 ? row.Sync : row.Async, call, token, gil);
    }

    /// <summary>Completes the call from its stage's answer (null: the function raised, the error is pending).</summary>
    public void Complete(BorrowedRef answer, PythonCall call, bool onLoop, GilHeld gil)
    {
        ref readonly var row = ref _rows[(int)call.Stage];
        row.Complete(this, onLoop ? row.AsyncName : row.SyncName, answer, call, gil);
    }

    /// <summary>The stage's name in error messages (the loop's).</summary>
    public string Name(CallStage stage) => _rows[(int)stage].AsyncName;

    static NewRef Dispatch(CallStages s, BorrowedRef function, PythonCall call, long token, GilHeld gil) =>
        CallMarshaller.Invoke(function, call, token, gil);

    static NewRef Hook(CallStages s, BorrowedRef function, PythonCall call, long token, GilHeld gil) =>
        CallMarshaller.InvokeStage(function, call, token, s._exchangeType, gil);

    static NewRef Hooked(CallStages s, BorrowedRef function, PythonCall call, long token, GilHeld gil) =>
        CallMarshaller.InvokeHooked(function, call, gil);

    static NewRef Stream(CallStages s, BorrowedRef function, PythonCall call, long token, GilHeld gil) =>
        CallMarshaller.InvokeStream(function, call, token, gil);

    static NewRef Socket(CallStages s, BorrowedRef function, PythonCall call, long token, GilHeld gil) =>
        CallMarshaller.InvokeSocket(function, call, token, gil);

    static void Answer(CallStages s, string name, BorrowedRef answer, PythonCall call, GilHeld gil) =>
        CallMarshaller.ReadAndComplete(answer, call, s._headers, name, gil);

    static void HookAnswer(CallStages s, string name, BorrowedRef answer, PythonCall call, GilHeld gil)
    {
        if (!answer.Is(s._continue))
        {
            CallMarshaller.ReadAndComplete(answer, call, s._headers, name, gil);
            return;
        }
        call.Kind = ResultKind.Continue;
        call.Complete();
    }

    /// <summary>
    /// hooked_sync answers (answer, whether the after hooks made it); when they did not (none apply,
    /// a before hook failed, the answer streams), AfterMask is cleared so that the global response
    /// headers are added in C#, as for an answer no after hook saw.
    /// </summary>
    static void HookedAnswer(CallStages s, string name, BorrowedRef answer, PythonCall call, GilHeld gil)
    {
        if (answer.IsNull || CApi.PyTuple_Size(answer) != 2)
        {
            // Raised (the error is pending), or not a pair: ReadAndComplete answers the 500 and names it.
            if (!answer.IsNull) CApi.PyErr_Clear();
            call.AfterMask = 0;
            CallMarshaller.ReadAndComplete(answer, call, s._headers, name, gil);
            return;
        }
        if (!CApi.PyTuple_GetItem(answer, 1).Is(CApi.True)) call.AfterMask = 0;
        CallMarshaller.ReadAndComplete(CApi.PyTuple_GetItem(answer, 0), call, s._headers, name, gil);
    }

    static void Chunk(CallStages s, string name, BorrowedRef item, PythonCall call, GilHeld gil) =>
        CallMarshaller.ReadChunkAndComplete(item, call, gil);

    static void Session(CallStages s, string name, BorrowedRef result, PythonCall call, GilHeld gil) =>
        CallMarshaller.ReadSessionAndComplete(result, call, gil);
}
