using RobynGateway.Hooks;

namespace RobynGateway.Tests.Hooks;

/// <summary>Which paths a scoped hook covers, per request and per route at start-up.</summary>
public sealed class HookPatternTests
{
    [Theory]
    [InlineData("/api/*", "/api", true)]
    [InlineData("/api/*", "/api/users", true)]
    [InlineData("/api/*", "/api/users/7/posts", true)]
    [InlineData("/api/*", "/API/users", true)]
    [InlineData("/api/*", "/apis", false)]
    [InlineData("/api/*", "/", false)]
    [InlineData("/*", "/", true)]
    [InlineData("/*", "/anything/at/all", true)]
    [InlineData("/users/:id", "/users/42", true)]
    [InlineData("/users/:id", "/users", false)]
    [InlineData("/users/:id", "/users/42/posts", false)]
    [InlineData("/users/:id/posts", "/users/42/posts", true)]
    [InlineData("/files/*rest", "/files/a/b", true)]
    [InlineData("/files/*rest", "/files", false)]
    [InlineData("/health", "/health", true)]
    [InlineData("/health", "/healthz", false)]
    [InlineData("/", "/", true)]
    [InlineData("/", "/x", false)]
    public void Matches_request_paths(string pattern, string path, bool expected) =>
        Assert.Equal(expected, new HookPattern(pattern).Matches(path));

    [Theory]
    [InlineData("/api/*", "/api/users/:id", "Always")]
    [InlineData("/api/*", "/api", "Always")]
    [InlineData("/api/*", "/files/*rest", "Never")]
    [InlineData("/api/*", "/:section/list", "Check")]
    [InlineData("/users/:id", "/users/:user_id", "Always")]
    [InlineData("/users/:id", "/users/me", "Always")]
    [InlineData("/users/me", "/users/:id", "Check")]
    [InlineData("/users/:id", "/users/:id/posts", "Never")]
    [InlineData("/users/:id/posts", "/users/:id", "Never")]
    [InlineData("/files/:name", "/files/*rest", "Check")]
    [InlineData("/files/*rest", "/files/*path", "Always")]
    [InlineData("/files/*rest", "/files", "Never")]
    [InlineData("/Admin/*", "/admin/panel", "Always")]
    public void Relation_to_a_route_is_decided_once(string pattern, string route, string expected) =>
        Assert.Equal(Enum.Parse<HookRelation>(expected), new HookPattern(pattern).RelationTo(route));

    [Fact]
    public void A_wildcard_before_the_last_segment_is_refused() =>
        Assert.Throws<ArgumentException>(() => new HookPattern("/api/*/users"));
}
