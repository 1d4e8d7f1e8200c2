using System.Diagnostics;

namespace RobynGateway.Tests.Deployment;

/// <summary>
/// The documented run paths use a Release build: `dotnet run --project src/RobynGateway` takes the
/// project's default configuration (Release, from Directory.Build.props), while the solution's
/// build and this test project keep theirs (Debug, what the suite tests).
/// </summary>
public sealed class ReleaseBuildTests
{
    static readonly string Repo = FindRepo();

    static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RobynGateway.sln"))) return dir.FullName;
        throw new InvalidOperationException("no RobynGateway.sln above " + AppContext.BaseDirectory);
    }

    static async Task<string> Evaluate(string project, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet", ["msbuild", Path.Combine(Repo, project), "-getProperty:Configuration", "-nologo", .. extra])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repo,
        };
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        return output.Trim();
    }

    [Fact]
    public async Task The_gateway_on_its_own_is_release_and_the_tests_keep_debug()
    {
        Assert.Equal("Release", await Evaluate("src/RobynGateway/RobynGateway.csproj"));
        Assert.Equal("Debug", await Evaluate("src/RobynGateway/RobynGateway.csproj", "-property:Configuration=Debug"));
        Assert.Equal("Debug", await Evaluate("tests/RobynGateway.Tests/RobynGateway.Tests.csproj"));
    }
}
