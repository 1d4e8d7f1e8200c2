namespace RobynGateway.Tests.Web;

/// <summary>
/// static_app.py as users run it, <c>RobynGateway static_app.py</c>: real Kestrel (which decodes
/// and normalises the path itself before the static files see it) and the start-up log.
/// </summary>
public sealed class StaticAppProcessTests(StaticAppProcess process) : IClassFixture<StaticAppProcess>
{
    [Theory]
    [MemberData(nameof(Traversal.Attempts), MemberType = typeof(Traversal))]
    public async Task Traversal_attempt_is_404(string target)
    {
        var (status, answer) = await RawHttp.GetAsync(process.Gateway.Port, target);
        Assert.Equal(404, status);
        Traversal.AssertNothingLeaked(answer);
    }

    [Theory]
    [MemberData(nameof(Traversal.EscapingLinks), MemberType = typeof(Traversal))]
    public async Task Symlink_out_of_the_mount_is_404(string path)
    {
        var (status, answer) = await RawHttp.GetAsync(process.Gateway.Port, path);
        Assert.Equal(404, status);
        Traversal.AssertNothingLeaked(answer);
    }

    [Fact]
    public void Each_mount_is_logged_and_a_missing_folder_is_a_warning()
    {
        var log = process.Gateway.Output;
        Assert.Contains("Static files: /static -> ", log);
        Assert.Contains("Static files: /site -> ", log);
        Assert.Contains("(index index.html)", log);
        Assert.Contains("WRN", log);
        Assert.Contains("serve_directory /gone: ", log);
        Assert.Contains("no_such_directory is not a directory; the mount is skipped", log);
    }
}
