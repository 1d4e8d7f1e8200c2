namespace RobynGateway.Workers;

/// <summary>
/// SIGHUP: every worker replaced, one slot at a time, by the --max-requests machinery (the new one
/// starts, runs the app file afresh, becomes ready and takes traffic; then the old one drains and
/// stops). The other workers serve throughout, and so does the slot's old worker until its
/// successor is ready, so no request is refused: this reloads the app's code without a restart.
/// </summary>
internal sealed partial class WorkerSupervisor
{
    int _rolling;

    public async Task RollAsync()
    {
        if (Interlocked.Exchange(ref _rolling, 1) == 1)
        {
            Log.LogInformation("SIGHUP: a rolling restart is already under way; ignored");
            return;
        }
        try
        {
            Log.LogInformation("SIGHUP: replacing the {Count} workers one by one", _count);
            for (var slot = 0; slot < _count && !_stopping.IsCancellationRequested; slot++)
            {
                WorkerProcess? old;
                lock (_gate)
                {
                    old = _slots[slot];
                    // A slot already being replaced (--max-requests) gets its new worker from that.
                    if (old is null || old.HasExited || !_recycling.Add(slot)) continue;
                }
                try
                {
                    await BringUpAsync(slot, retiring: old);
                    await old.Exited.WaitAsync(_graceful + TimeSpan.FromSeconds(5), _stopping.Token);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    // The old worker is still draining, or the server is stopping: go on with the next.
                }
                finally
                {
                    lock (_gate) _recycling.Remove(slot);
                }
            }
            if (!_stopping.IsCancellationRequested)
                Log.LogInformation("SIGHUP: rolling restart done; workers now {Pids}", string.Join(", ", Ready.Select(w => w.Pid)));
        }
        finally
        {
            Volatile.Write(ref _rolling, 0);
        }
    }
}
