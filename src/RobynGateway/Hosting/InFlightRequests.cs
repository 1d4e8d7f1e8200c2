using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace RobynGateway.Hosting;

/// <summary>
/// Says which requests a stop cut. When <c>--graceful-timeout</c> runs out with requests still
/// running, Kestrel aborts their connections (the clients see a reset) and the process goes on
/// stopping; this logs one warning first, naming how many and which (method, path, how long each ran).
///
/// Design: requests that started before the stop must be named, so every request is registered, in
/// a pooled slot: a lock-free dequeue and enqueue, three field writes and an OnCompleted callback,
/// no allocation once the pool has grown to the highest concurrency seen. At the deadline the slots
/// are read once; a slot being reused meanwhile can only make one name stale. The deadline is the
/// host's own shutdown token (it is what makes Kestrel abort) or, on the front (whose host waits
/// longer, for its workers), the graceful timeout counted from the stop.
/// </summary>
internal sealed class InFlightRequests(TimeSpan budget, ILogger<InFlightRequests> log) : IHostedLifecycleService
{
    const int Named = 10;

    sealed class Slot(InFlightRequests owner)
    {
        public readonly InFlightRequests Owner = owner;
        public volatile string? Method;
        public string? Path;
        public long Started;
    }

    readonly ConcurrentQueue<Slot> _free = new();
    readonly List<Slot> _all = [];
    CancellationTokenSource? _deadline;

    /// <summary>First in the pipeline: everything after it, health and websockets included, is counted.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // Freed when Kestrel fires the request's OnCompleted callbacks: after the app's code returned,
        // however the request ended. No wrapper around next, so no async state of our own: Kestrel keeps
        // its callback stack per connection, and the callback and its state (the slot) are reused.
        context.Response.OnCompleted(EndCallback, Begin(context.Request));
        return next(context);
    }

    static readonly Func<object, Task> EndCallback = static state =>
    {
        var slot = (Slot)state;
        slot.Method = null;
        slot.Owner._free.Enqueue(slot);
        return Task.CompletedTask;
    };

    Slot Begin(HttpRequest request)
    {
        if (!_free.TryDequeue(out var slot))
        {
            slot = new Slot(this);
            lock (_all) _all.Add(slot);
        }
        slot.Path = request.Path.Value;
        slot.Started = Stopwatch.GetTimestamp();
        slot.Method = request.Method; // last: a set Method marks the slot as running
        return slot;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        // The host's token fires at its ShutdownTimeout; the budget can only make it sooner.
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _deadline.CancelAfter(budget);
        _deadline.Token.UnsafeRegister(static self => ((InFlightRequests)self!).ReportCut(), this);
        return Task.CompletedTask;
    }

    void ReportCut()
    {
        Slot[] slots;
        lock (_all) slots = [.. _all];
        var now = Stopwatch.GetTimestamp();
        var running = new List<(string Method, string? Path, TimeSpan Ran)>();
        foreach (var slot in slots)
            if (slot.Method is { } method) running.Add((method, slot.Path, Stopwatch.GetElapsedTime(slot.Started, now)));
        if (running.Count == 0) return;

        var names = new StringBuilder();
        foreach (var (method, path, ran) in running.OrderByDescending(r => r.Ran).Take(Named))
            names.Append(names.Length == 0 ? "" : ", ").Append($"{method} {path} (running {ran.TotalSeconds:0.0} s)");
        if (running.Count > Named) names.Append($" and {running.Count - Named} more");
        log.LogWarning("Graceful stop: {Count} request(s) still running after --graceful-timeout {Timeout} s are cut: {Requests}",
            running.Count, budget.TotalSeconds, names.ToString());
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _deadline?.Dispose();
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class InFlightRequestsSetup
{
    /// <summary>Registered after every other hosted service, so its StoppingAsync runs first (the host stops in reverse).</summary>
    public static void AddRobynInFlightRequests(this IServiceCollection services, TimeSpan budget)
    {
        services.AddSingleton(sp => new InFlightRequests(budget, sp.GetRequiredService<ILogger<InFlightRequests>>()));
        services.AddHostedService(sp => sp.GetRequiredService<InFlightRequests>());
    }

    public static void UseRobynInFlightRequests(this WebApplication web)
    {
        var requests = web.Services.GetRequiredService<InFlightRequests>();
        web.Use(next => context => requests.InvokeAsync(context, next));
    }
}
