using System.Threading.Channels;

namespace RobynGateway.Hosting;

/// <summary>
/// Tells <c>--dev</c>'s supervisor when the app's Python sources changed: any <c>*.py</c> file
/// created, written, renamed or deleted in the app's directory tree, outside <c>__pycache__</c>
/// and dot-folders (<c>.git</c>, <c>.venv</c>). Events are debounced: an editor's save is often
/// several events (write, truncate, rename), and a checkout touches many files, so a wait ends
/// once the tree has been quiet for <see cref="Quiet"/> (at most <see cref="MaxWait"/> after the
/// first event).
/// </summary>
internal sealed class SourceWatcher : IDisposable
{
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);
    static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    readonly string _root;
    readonly FileSystemWatcher _watcher;
    readonly Channel<string> _events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public SourceWatcher(string root)
    {
        _root = Path.GetFullPath(root);
        _watcher = new FileSystemWatcher(_root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Changed += (_, e) => Seen(e.FullPath);
        _watcher.Created += (_, e) => Seen(e.FullPath);
        _watcher.Deleted += (_, e) => Seen(e.FullPath);
        _watcher.Renamed += (_, e) =>
        {
            Seen(e.OldFullPath);
            Seen(e.FullPath);
        };
        // Too many events at once (the kernel's queue overflowed): something surely changed.
        _watcher.Error += (_, _) => _events.Writer.TryWrite(Path.Combine(_root, "(many files)"));
        _watcher.EnableRaisingEvents = true;
    }

    public string Root => _root;

    void Seen(string path)
    {
        if (IsSource(_root, path)) _events.Writer.TryWrite(path);
    }

    internal static bool IsSource(string root, string path)
    {
        if (!path.EndsWith(".py", StringComparison.Ordinal)) return false;
        var relative = Path.GetRelativePath(root, path);
        foreach (var part in relative.Split(Path.DirectorySeparatorChar))
            if (part.StartsWith('.') || part == "__pycache__") return false;
        return true;
    }

    /// <summary>Forgets the changes seen so far (those the child about to start will load anyway).</summary>
    public void Clear()
    {
        while (_events.Reader.TryRead(out _)) { }
    }

    /// <summary>Waits for a change, then for the tree to settle; returns the changed files, relative to the root.</summary>
    public async Task<IReadOnlyCollection<string>> WaitAsync(CancellationToken cancel)
    {
        var changed = new SortedSet<string>(StringComparer.Ordinal) { await _events.Reader.ReadAsync(cancel) };
        var deadline = DateTime.UtcNow + MaxWait;
        while (DateTime.UtcNow < deadline)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            quiet.CancelAfter(Quiet);
            try
            {
                changed.Add(await _events.Reader.ReadAsync(quiet.Token));
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                break;
            }
        }
        return changed.Select(p => Path.GetRelativePath(_root, p)).ToList();
    }

    public void Dispose() => _watcher.Dispose();
}
