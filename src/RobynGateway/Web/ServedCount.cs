namespace RobynGateway.Web;

/// <summary>
/// A worker of <c>--balance kernel</c> with <c>--max-requests</c>: the requests it has served, counted
/// here because its front sees none of them, and reported in a header of its readiness answer to
/// the front's probe (<see cref="Workers.WorkerHealthProbe"/>), which replaces it past the limit.
/// Health checks themselves are not counted (the counter sits after them in the pipeline).
/// </summary>
internal sealed class ServedCount
{
    public const string Header = "X-Robyn-Served";
    long _served;

    public long Value => Interlocked.Read(ref _served);

    public static void UseServedCount(WebApplication web)
    {
        var count = web.Services.GetRequiredService<ServedCount>();
        web.Use((context, next) =>
        {
            Interlocked.Increment(ref count._served);
            return next(context);
        });
    }
}
