using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Workers;

/// <summary>
/// YARP's view of the workers: one catch-all route to one cluster whose destinations are the
/// workers that are ready now. The supervisor publishes a new list whenever a worker becomes ready
/// or leaves (dies, is recycled, the server stops); YARP swaps it in without locking requests.
/// </summary>
internal static class WorkerDestinations
{
    public const string ClusterId = "workers";

    static readonly RouteConfig[] Routes =
    [
        new RouteConfig { RouteId = "app", ClusterId = ClusterId, Match = new RouteMatch { Path = "{**catch-all}" } },
    ];

    public static InMemoryConfigProvider CreateProvider() => new(Routes, [Cluster([])]);

    public static void Publish(InMemoryConfigProvider provider, IEnumerable<WorkerProcess> ready) =>
        provider.Update(Routes, [Cluster(ready)]);

    static ClusterConfig Cluster(IEnumerable<WorkerProcess> ready) => new()
    {
        ClusterId = ClusterId,
        // Two workers picked at random, the one with fewer requests in flight wins: even under light
        // load (LeastRequests sends every lone request to the first worker), fair under heavy load.
        LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
        HttpRequest = new ForwarderRequestConfig
        {
            // Robyn has no request timeout; a handler may take minutes, and a websocket idles between pings.
            ActivityTimeout = Routing.RequestTimeouts.ProxyActivityTimeout,
            // Cleartext over a Unix socket: HTTP/1.1 (websockets go through as upgrades).
            Version = System.Net.HttpVersion.Version11,
            VersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact,
        },
        Destinations = ready.ToDictionary(w => w.Name, w => new DestinationConfig { Address = $"http://{w.Name}/" }),
    };
}
