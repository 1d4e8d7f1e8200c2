namespace RobynGateway.Workers;

/// <summary>
/// The workers that take requests now. The supervisor publishes a new array whenever a worker
/// becomes ready or leaves (dies, is recycled, stops answering, the server stops); the request
/// path reads the current array once, without a lock, and picks from it.
/// </summary>
internal sealed class WorkerPool
{
    WorkerProcess[] _ready = [];

    /// <summary>A snapshot: never changed after it is published.</summary>
    public WorkerProcess[] Ready => Volatile.Read(ref _ready);

    public void Publish(IEnumerable<WorkerProcess> ready) => Volatile.Write(ref _ready, ready.ToArray());

    /// <summary>
    /// Two workers picked at random, the one with fewer requests in flight wins: even under light
    /// load (least-requests alone sends every lone request to the first worker), fair under heavy
    /// load. <paramref name="except"/> (a worker a request could not reach) is left out. Null if none.
    /// </summary>
    public static WorkerProcess? Pick(WorkerProcess[] ready, WorkerProcess? except = null)
    {
        var count = ready.Length;
        if (count == 0 || (count == 1 && ready[0] == except)) return null;
        if (count == 1) return ready[0];
        var first = ready[Random.Shared.Next(count)];
        var second = ready[Random.Shared.Next(count - 1)];
        if (second == first) second = ready[count - 1];
        if (first == except) return second;
        if (second == except) return first;
        return second.InFlight < first.InFlight ? second : first;
    }
}
