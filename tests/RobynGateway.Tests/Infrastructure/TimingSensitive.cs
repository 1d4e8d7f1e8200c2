namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// Tests that assert how fast an answer comes (tens of milliseconds, or a fraction of a second beside
/// a handler's sleep or a timeout) run alone, not beside the other test classes: those share this
/// process's thread pool and the machine's two cores, and a neighbour's burst delayed a ping here
/// by 0.7 s, which says nothing about the gateway.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "timing-sensitive";
}
