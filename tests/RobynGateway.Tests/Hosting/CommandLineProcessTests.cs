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

    [Theory]
    [InlineData("--max-connections", "-1", "error: --max-connections -1: expected a whole number from 1 to 2147483647.")]
    [InlineData("--backlog", "many", "error: --backlog many: expected a whole number from 1 to 65535.")]
    public async Task A_bad_limit_exits_2_with_the_flag_and_what_it_takes(string flag, string value, string message)
    {
        await using var gateway = GatewayProcess.Start("lifecycle_app.py", [flag, value], passPort: false);
        Assert.Equal(2, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Contains(message, gateway.Output);
        Assert.DoesNotContain("   at ", gateway.Output); // no stack trace
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        await using var gateway = GatewayProcess.Start("--version", passPort: false);
        Assert.Equal(0, await gateway.WaitForExitAsync(ExitTimeout));
        Assert.Matches(@"RobynGateway \d+\.\d+\.\d+ \(Robyn 0\.88\.0 API", gateway.Output);
    }
}
