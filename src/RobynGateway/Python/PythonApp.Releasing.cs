namespace RobynGateway.Python;

// References dropped by threads that take the GIL anyway, for threads that never do (Kestrel's).
internal sealed unsafe partial class PythonApp
{
    /// <summary>
    /// Drops a request's Exchange later, on a thread that takes the GIL (the request ends on a Kestrel
    /// thread, which never takes it).
    /// </summary>
    internal void ReleaseLater(NewRef exchange) => _released.Enqueue(exchange);

    /// <summary>
    /// Like <see cref="ReleaseLater"/>, and wakes a sync worker to do it now: dropping a streaming
    /// answer's iterator closes its generator, whose cleanup (finally blocks) should not wait for
    /// the next request.
    /// </summary>
    internal void ReleaseSoon(NewRef reference)
    {
        _released.Enqueue(reference);
        // A stream thread first: a sync worker may be inside a slow handler.
        if (_streams?.Poke() != true) _sync?.Poke();
    }

    internal bool HasReleases => !_released.IsEmpty;

    /// <summary>Drops the exchanges of finished requests.</summary>
    internal void ReleaseFinished(GilHeld gil)
    {
        while (_released.TryDequeue(out var reference)) reference.Dispose();
    }
}
