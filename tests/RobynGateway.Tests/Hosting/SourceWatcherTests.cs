using RobynGateway.Hosting;

namespace RobynGateway.Tests.Hosting;

/// <summary>What --dev's watcher counts as a change to the app's sources (no Python involved).</summary>
public sealed class SourceWatcherTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("robyn-watch-").FullName;

    [Theory]
    [InlineData("app.py", true)]
    [InlineData("pkg/models.py", true)]
    [InlineData("app.pyc", false)]
    [InlineData("__pycache__/app.cpython-311.py", false)]
    [InlineData(".venv/lib/site.py", false)]
    [InlineData("templates/home.html", false)]
    public void Only_py_files_outside_caches_and_dot_folders_count(string relative, bool counts) =>
        Assert.Equal(counts, SourceWatcher.IsSource(_root, Path.Combine(_root, relative)));

    [Fact]
    public async Task A_burst_of_writes_is_one_change_naming_the_files()
    {
        Directory.CreateDirectory(Path.Combine(_root, "pkg"));
        using var watcher = new SourceWatcher(_root);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var waiting = watcher.WaitAsync(timeout.Token);
        await File.WriteAllTextAsync(Path.Combine(_root, "app.py"), "x = 1");
        await File.WriteAllTextAsync(Path.Combine(_root, "pkg", "models.py"), "y = 2");
        await File.WriteAllTextAsync(Path.Combine(_root, "notes.txt"), "ignored");
        var changed = await waiting;
        Assert.Contains("app.py", changed);
        Assert.DoesNotContain("notes.txt", changed);
    }

    [Fact]
    public async Task Other_files_never_end_a_wait()
    {
        using var watcher = new SourceWatcher(_root);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        var waiting = watcher.WaitAsync(timeout.Token);
        await File.WriteAllTextAsync(Path.Combine(_root, "data.json"), "{}");
        Directory.CreateDirectory(Path.Combine(_root, "__pycache__"));
        await File.WriteAllTextAsync(Path.Combine(_root, "__pycache__", "app.cpython-311.pyc"), "");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
