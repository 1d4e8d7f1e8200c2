using System.Collections;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Primitives;

namespace RobynGateway.Web;

/// <summary>
/// One mount's files for the static file middlewares. Directories (listings, index files) are
/// <see cref="PhysicalFileProvider"/>'s, with its exclusions of dot-named and hidden entries.
/// Files, asked for on every static request, are looked up here with one stat, after the same
/// rules PhysicalFileProvider applies (no "..", nothing absolute, no dot-named file) and one it
/// lacks (no dot-named folder on the way: its exclusions look at the last name only, so it would
/// serve <c>.git/config</c>). Anything a symlink carries outside the mount is "not there" too.
/// A refused path falls through to the app's routes and ends in its 404.
/// </summary>
internal sealed class MountFileProvider : IFileProvider
{
    readonly PhysicalFileProvider _directories;
    readonly SymlinkGuard _guard;
    readonly string _root;

    public MountFileProvider(string directory)
    {
        _directories = new PhysicalFileProvider(directory);
        _root = _directories.Root; // absolute, ends with '/'
        _guard = new SymlinkGuard(_root);
    }

    public string Root => _root;

    public IFileInfo GetFileInfo(string subpath)
    {
        if (!IsPlain(subpath)) return new NotFoundFileInfo(subpath);
        var relative = subpath.AsSpan().TrimStart('/');
        if (relative.IsEmpty) return new NotFoundFileInfo(subpath);
        var path = string.Concat(_root.AsSpan(), relative);
        var file = new FileInfo(path);
        if (!file.Exists) return new NotFoundFileInfo(subpath); // false for directories
        var isLink = (file.Attributes & FileAttributes.ReparsePoint) != 0; // from the same lstat
        if (!_guard.StaysInside(path, isLink, out var target)) return new NotFoundFileInfo(subpath);
        // FileInfo describes a link itself (its Length is the link text's), so serve the target.
        return target is null ? new PhysicalFileInfo(file) : new LinkedFile(file.Name, new FileInfo(target));
    }

    /// <summary>For listings and index files: rare next to file requests, so this one may allocate.</summary>
    public IDirectoryContents GetDirectoryContents(string subpath)
    {
        if (!IsPlain(subpath)) return NotFoundDirectoryContents.Singleton;
        var contents = _directories.GetDirectoryContents(subpath);
        if (!contents.Exists || !_guard.StaysInside(Path.Join(_root, subpath.TrimStart('/')), out _))
            return NotFoundDirectoryContents.Singleton;
        var listed = new List<IFileInfo>();
        foreach (var entry in contents)
        {
            if (entry.PhysicalPath is not { } path || !_guard.StaysInside(path, out var target)) continue;
            listed.Add(target is null || entry.IsDirectory ? entry : new LinkedFile(entry.Name, new FileInfo(target)));
        }
        return new Listed(listed);
    }

    /// <summary>Nothing watches a mount, so its provider never starts a FileSystemWatcher.</summary>
    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    /// <summary>
    /// No NUL and no name starting with '.' (which covers "." and "..": the static file middleware
    /// hands over the path as decoded, not normalised, when no server did that first).
    /// </summary>
    static bool IsPlain(string? subpath)
    {
        if (string.IsNullOrEmpty(subpath)) return false;
        var path = subpath.AsSpan();
        if (path.Contains('\0')) return false;
        for (var from = 0; ;)
        {
            var dot = path[from..].IndexOf('.');
            if (dot < 0) return true;
            dot += from;
            if (dot == 0 || path[dot - 1] is '/' or '\\') return false;
            from = dot + 1;
        }
    }

    /// <summary>A file reached through a link: the link's name, the target's size, date and content.</summary>
    sealed class LinkedFile(string name, FileInfo target) : IFileInfo
    {
        public bool Exists => target.Exists;
        public long Length => target.Length;
        public string PhysicalPath => target.FullName;
        public string Name => name;
        public DateTimeOffset LastModified => target.LastWriteTimeUtc;
        public bool IsDirectory => false;

        public Stream CreateReadStream() => new FileStream(target.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite,
            bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
    }

    sealed class Listed(List<IFileInfo> entries) : IDirectoryContents
    {
        public bool Exists => true;
        public IEnumerator<IFileInfo> GetEnumerator() => entries.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
