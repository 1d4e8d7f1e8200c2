using System.Text.Json;
using RobynGateway.Observability;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Observability;

public sealed class ObservabilityAppFactory() : GatewayFactory("observability_app.py");

/// <summary>X-Request-ID: honoured when safe, else made; on the response and in <c>request.request_id</c>.</summary>
public sealed class RequestIdTests(ObservabilityAppFactory factory) : IClassFixture<ObservabilityAppFactory>
{
    internal static async Task<(string? Header, string? SeenByPython)> Send(HttpClient client, string path, string? id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (id is not null) request.Headers.TryAddWithoutValidation(RequestIds.Header, id);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var header = response.Headers.TryGetValues(RequestIds.Header, out var values) ? string.Join("|", values) : null;
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (header, body.GetProperty("request_id").GetString());
    }

    [Theory]
    [InlineData("/users/7")]
    [InlineData("/async/ann")]
    public async Task A_safe_client_id_is_kept_and_returned(string path)
    {
        var (header, seen) = await Send(factory.CreateClient(), path, "req-42_abc.DEF:9");
        Assert.Equal("req-42_abc.DEF:9", header);
        Assert.Equal("req-42_abc.DEF:9", seen);
    }

    [Fact]
    public async Task Without_one_a_new_id_is_made_per_request()
    {
        var client = factory.CreateClient();
        var (first, seen) = await Send(client, "/users/1", null);
        var (second, _) = await Send(client, "/users/1", null);
        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Equal(first, seen);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Ids_made_at_once_on_many_threads_are_all_different()
    {
        // Random.Shared is one generator per thread: no two threads (nor two calls) repeat an id.
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 25_000; i++) ids.Add(RequestIds.New());
        });
        Assert.Equal(200_000, ids.Distinct().Count());
        Assert.All(ids.Take(1000), id => Assert.Matches("^[0-9a-f]{32}$", id));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("quote\"d")]
    [InlineData("semi;colon")]
    [InlineData("<script>")]
    [InlineData("é-not-ascii")]
    public async Task An_unsafe_id_is_replaced(string bad)
    {
        var (header, seen) = await Send(factory.CreateClient(), "/users/1", bad);
        Assert.Matches("^[0-9a-f]{32}$", header);
        Assert.Equal(header, seen);
    }

    [Fact]
    public async Task An_overlong_id_is_replaced_and_128_characters_are_kept()
    {
        var (header, _) = await Send(factory.CreateClient(), "/users/1", new string('a', 129));
        Assert.Matches("^[0-9a-f]{32}$", header);
        var longest = new string('b', 128);
        Assert.Equal(longest, (await Send(factory.CreateClient(), "/users/1", longest)).Header);
    }

    [Fact]
    public async Task Answers_made_without_python_carry_an_id_too()
    {
        using var response = await factory.CreateClient().GetAsync("/no/such/route");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Matches("^[0-9a-f]{32}$", response.Headers.GetValues(RequestIds.Header).Single());
        using var failed = await factory.CreateClient().GetAsync("/boom");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Single(failed.Headers.GetValues(RequestIds.Header));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", true)]
    [InlineData("1-5f2b9c3e-abc@host/x+y=", true)]
    [InlineData("", false)]
    [InlineData("a\r\nb", false)]
    [InlineData("tab\there", false)]
    public void Safe_ids(string id, bool safe) => Assert.Equal(safe, RequestIds.IsSafe(id));
}

/// <summary>Under --processes 2 the front assigns the id and the worker keeps it: one header, the same in Python.</summary>
public sealed class RequestIdProcessTests : IAsyncLifetime
{
    GatewayProcess _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayProcess.Start("observability_app.py", ["--processes", "2"]).WaitReadyAsync(TimeSpan.FromSeconds(90));

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    [Fact]
    public async Task Front_and_worker_agree_on_one_id()
    {
        var (header, seen) = await RequestIdTests.Send(_gateway.Client, "/users/3", null);
        Assert.Matches("^[0-9a-f]{32}$", header); // one value: the worker's, not a second copy from the front
        Assert.Equal(header, seen);
        (header, seen) = await RequestIdTests.Send(_gateway.Client, "/users/3", "from-nginx-1");
        Assert.Equal("from-nginx-1", header);
        Assert.Equal("from-nginx-1", seen);
        (header, seen) = await RequestIdTests.Send(_gateway.Client, "/users/3", "bad id");
        Assert.Matches("^[0-9a-f]{32}$", header);
        Assert.Equal(header, seen);
    }
}
