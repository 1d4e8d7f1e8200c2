namespace RobynGateway.Python;

// Which thread runs a call (the loop, a stream thread, a sync worker), and the counts --max-queue reads.
internal sealed unsafe partial class PythonApp
{
    /// <summary>
    /// Queues a call for the thread that runs it: the loop for async work, a stream thread for the
    /// next item of a sync stream (which may sleep between items: it must hold no sync worker),
    /// else a sync worker.
    /// </summary>
    public void Submit(PythonCall call)
    {
        var onLoop = call.Stage == CallStage.Dispatch ? call.Route!.IsAsync : call.StageOnLoop;
        call.EnterPython();
        if (onLoop)
        {
            // A request's trips count; a stream's next item and a websocket event do not: an open
            // SSE stream or socket may wait on the loop for minutes without loading it.
            if (call.Stage is not (CallStage.StreamNext or CallStage.Socket))
            {
                call.OnLoopCounted = true;
                Interlocked.Increment(ref _onLoop);
            }
            _async!.Enqueue(call);
        }
        else if (call.Stage == CallStage.StreamNext) _streams!.Enqueue(call);
        else _sync!.Enqueue(call);
    }

    /// <summary>Runs one hook stage of a request and waits for its answer, holding no thread.</summary>
    public ValueTask RunStage(PythonCall call, CallStage stage, bool onLoop)
    {
        call.BeginStage(stage, onLoop);
        Submit(call);
        return call.Completion;
    }

    /// <summary>Calls waiting for a sync worker, and calls on the loop not yet finished (--max-queue).</summary>
    public int SyncWaiting => _sync?.Waiting ?? 0;

    public int OnLoop => Volatile.Read(ref _onLoop);

    internal void LoopCallEnded() => Interlocked.Decrement(ref _onLoop);

    /// <summary>Any thread: asks the loop to cancel the task of a call whose request timed out.</summary>
    internal void CancelOnLoop(PythonCall call) => _async?.Cancel(call);
}
