namespace RobynGateway.Python;

// Running a call's stage on the thread that took it: a sync worker, a stream thread, or the loop.
internal sealed unsafe partial class PythonApp
{
    /// <summary>On a sync worker (or a stream thread): one trip into Python, then the call completes.</summary>
    internal void ExecuteSync(PythonCall call, GilHeld gil)
    {
        if (call.SkipIfTimedOut()) return;
        call.RunsHere(); // Python's log records name its request (JSON logs)
        using var answer = _stages.Invoke(call, token: 0, gil);
        _stages.Complete(answer.Borrow(), call, onLoop: false, gil);
    }

    /// <summary>On the loop thread: starts the handler (or a hook stage) as a task; complete() answers it.</summary>
    internal void DispatchAsync(PythonCall call, GilHeld gil)
    {
        if (call.SkipIfTimedOut()) return;
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(call);
        var token = (long)System.Runtime.InteropServices.GCHandle.ToIntPtr(handle);
        call.LoopToken = token;
        using var task = _stages.Invoke(call, token, gil);
        if (!task.IsNull) return;

        handle.Free();
        call.CompleteWith(500, "Internal server error", ResultKind.Error, $"{_stages.Name(call.Stage)} raised: {CApi.TakeErrorText(gil)}");
    }

    [ThreadStatic] static List<PythonCall>? t_answered;

    /// <summary>
    /// In complete(), on the loop thread: completes an async call from the answer Python passed.
    /// When no sync worker wants the GIL, the loop lets it go and writes the answer itself (and,
    /// with sockets inline, sends it), then takes the GIL back: a thread-pool thread would have to
    /// be woken for that write, and on a request that waits on a database most of its cost was
    /// those wake-ups. With sync workers busy the write goes to the thread pool as before, so the
    /// loop never queues for the GIL behind a worker's batch.
    /// </summary>
    internal void CompleteAsync(BorrowedRef answer, PythonCall call, GilHeld gil)
    {
        if (_sync is not { Idle: true })
        {
            _stages.Complete(answer, call, onLoop: true, gil);
            return;
        }
        var answered = t_answered ??= new(1);
        PythonCall.BeginDeferring(answered);
        try
        {
            _stages.Complete(answer, call, onLoop: true, gil);
        }
        finally
        {
            var state = answered.Count > 0 ? Gil.Release(gil) : 0;
            try
            {
                PythonCall.EndDeferring(answered); // the continuations run here, inline
            }
            finally
            {
                if (state != 0) Gil.Restore(state);
            }
        }
    }

    /// <summary>On the loop thread: cancels the call's task (its finally blocks run).</summary>
    internal void CancelTask(PythonCall call, GilHeld gil)
    {
        if (!call.TimedOutOnLoop) return; // it finished, or never started, since the timeout
        using var token = CApi.PyLong_FromLongLong(call.LoopToken);
        using var result = CApi.PyObject_CallOneArg(_cancelTask, token.Borrow());
        if (result.IsNull) Serilog.Log.Warning("Cancelling the task of {Route} failed: {Error}", call.Route, CApi.TakeErrorText(gil));
    }
}
