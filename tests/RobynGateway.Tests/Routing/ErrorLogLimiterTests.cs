using RobynGateway.Routing;
using RobynGateway.Http;
using RobynGateway.Python;

namespace RobynGateway.Tests.Routing;

/// <summary>A route that fails on every request logs its traceback once per window, with a count of the rest.</summary>
public sealed class ErrorLogLimiterTests
{
    const string Boom = "Traceback (most recent call last):\n  File \"app.py\", line 3, in h\nValueError: bad id 7\n";

    [Fact]
    public void The_same_failure_of_a_route_is_logged_once_per_window_and_counted_after()
    {
        var limiter = new ErrorLogLimiter(TimeSpan.FromMilliseconds(300));
        Assert.True(limiter.ShouldLog("GET /users/:id", Boom, out var suppressed));
        Assert.Equal(0, suppressed);
        for (var i = 0; i < 50; i++)
            Assert.False(limiter.ShouldLog("GET /users/:id", Boom.Replace("7", i.ToString()), out _)); // another message, same kind
        Thread.Sleep(350);
        Assert.True(limiter.ShouldLog("GET /users/:id", Boom, out suppressed));
        Assert.Equal(50, suppressed);
    }

    [Fact]
    public void Another_route_or_another_exception_type_is_logged_at_once()
    {
        var limiter = new ErrorLogLimiter(TimeSpan.FromMinutes(1));
        Assert.True(limiter.ShouldLog("GET /a", Boom, out _));
        Assert.True(limiter.ShouldLog("GET /b", Boom, out _));
        Assert.True(limiter.ShouldLog("GET /a", Boom.Replace("ValueError", "KeyError"), out _));
        Assert.False(limiter.ShouldLog("GET /a", Boom, out _));
    }

    [Fact]
    public void Past_its_bound_it_logs_everything_rather_than_grow()
    {
        var limiter = new ErrorLogLimiter(TimeSpan.FromMinutes(1), maxKinds: 2);
        Assert.True(limiter.ShouldLog("GET /a", Boom, out _));
        Assert.True(limiter.ShouldLog("GET /b", Boom, out _));
        Assert.True(limiter.ShouldLog("GET /c", Boom, out _));
        Assert.True(limiter.ShouldLog("GET /c", Boom, out _));
    }

    [Theory]
    [InlineData(Boom, "ValueError")]
    [InlineData("Traceback ...\nmodule.CustomError: x: y\n\n", "module.CustomError")]
    [InlineData("KeyboardInterrupt", "KeyboardInterrupt")]
    [InlineData(null, "")]
    public void The_kind_is_the_exception_type_of_the_last_line(string? traceback, string expected) =>
        Assert.Equal(expected, ErrorLogLimiter.ExceptionType(traceback));
}
