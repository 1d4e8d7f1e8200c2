using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Lifecycle;

/// <summary>The app's lifecycle when the host is stopped in-process (WebApplicationFactory).</summary>
public sealed class InProcessLifecycleTests
{
    [Fact]
    public async Task Stopping_the_host_runs_the_shutdown_handler_once_and_the_process_keeps_serving_other_apps()
    {
        var countFile = Path.Combine(Path.GetTempPath(), $"robyn-shutdowns-{Environment.ProcessId}");
        File.Delete(countFile);
        try
        {
            // WebApplicationFactory stops the host, and the entry point's Run() stops it again.
            await using (var factory = new GatewayFactory("shutdown_count_app.py"))
            {
                Assert.Equal("up", await factory.CreateClient().GetStringAsync("/"));
            }
            Assert.Equal(["shutdown"], await File.ReadAllLinesAsync(countFile));

            await using var next = new GatewayFactory("shutdown_count_app.py");
            Assert.Equal("up", await next.CreateClient().GetStringAsync("/"));
        }
        finally
        {
            File.Delete(countFile);
        }
    }
}
