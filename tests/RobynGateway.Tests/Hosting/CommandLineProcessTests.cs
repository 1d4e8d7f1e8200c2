using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Hosting;

/// <summary>The command line of the real program: exit codes and what it prints.</summary>
public sealed class CommandLineProcessTests
{
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_mistyped_flag_after_the_app_exits_2_with_a_suggestion_and_never_starts()
    {
        await using var gateway = GatewayProcess.Start("lifecycle_app.py", ["--prot", "9001"], passPort: false);
        Assert.Equal(2, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains("error: Unknown option --prot: did you mean --port?", gateway.Output);
        Assert.DoesNotContain("Python", gateway.Output);
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        await using var gateway = GatewayProcess.Start("--version", passPort: false);
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Matches(@"RobynGateway \d+\.\d+\.\d+ \(Robyn 0\.88\.0 API", gateway.Output);
    }
}
