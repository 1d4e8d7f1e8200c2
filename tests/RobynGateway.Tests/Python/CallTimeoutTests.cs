using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using RobynGateway.Python;

namespace RobynGateway.Tests.Python;

/// <summary>
/// A request's timeout against its pooled call's stages, without a server: the timeout that fires
/// while a stage is in Python fails its waiter; one that fired between two stages fails the next
/// stage as it is handed to Python, rather than be lost.
/// </summary>
public sealed class CallTimeoutTests
{
    sealed class Timeout(CancellationToken token) : IHttpRequestTimeoutFeature
    {
        public CancellationToken RequestTimeoutToken => token;
        public void DisableTimeout() { }
    }

    static (PythonCall Call, CancellationTokenSource Timer) Watched()
    {
        var timer = new CancellationTokenSource();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpRequestTimeoutFeature>(new Timeout(timer.Token));
        var call = PythonCall.Rent(null!, null);
        call.WatchTimeout(context);
        return (call, timer);
    }

    [Fact]
    public async Task A_timeout_while_the_stage_is_in_Python_fails_its_waiter()
    {
        var (call, timer) = Watched();
        call.EnterPython();
        var waiting = call.Completion.AsTask();
        Assert.False(waiting.IsCompleted);
        timer.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task A_timeout_between_two_stages_fails_the_next_one_as_it_enters_Python()
    {
        var (call, timer) = Watched();
        timer.Cancel(); // no stage in Python: nothing to fail yet
        call.EnterPython();
        await Assert.ThrowsAsync<OperationCanceledException>(() => call.Completion.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(call.SkipIfTimedOut()); // the worker that takes it does not run it
    }

    [Fact]
    public async Task Without_a_timeout_the_stage_waits_for_Python()
    {
        var (call, _) = Watched();
        call.EnterPython();
        var waiting = call.Completion.AsTask();
        call.Complete();
        await waiting;
        Assert.True(waiting.IsCompletedSuccessfully);
    }
}
