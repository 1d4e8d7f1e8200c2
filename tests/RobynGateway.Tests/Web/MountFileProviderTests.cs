using RobynGateway.Web;

namespace RobynGateway.Tests.Web;

/// <summary>A mount's file lookup on a scratch folder, without Python: what it refuses and what links it follows.</summary>
public sealed class MountFileProviderTests : IDisposable
{
    readonly string _top = Directory.CreateTempSubdirectory("robyn-mount-").FullName;
    readonly string _public;
    readonly MountFileProvider _files;

    public MountFileProviderTests()
    {
        _public = Path.Combine(_top, "public");
        Directory.CreateDirectory(Path.Combine(_public, "css"));
        Directory.CreateDirectory(Path.Combine(_public, ".git"));
        Directory.CreateDirectory(Path.Combine(_top, "outside"));
        File.WriteAllText(Path.Combine(_public, "index.txt"), "top");
        File.WriteAllText(Path.Combine(_public, "css", "site.css"), "body{}");
        File.WriteAllText(Path.Combine(_public, ".git", "config"), "[core]");
        File.WriteAllText(Path.Combine(_top, "outside", "site.css"), "outside the mount");
        File.CreateSymbolicLink(Path.Combine(_public, "latest.css"), "css/site.css");
        _files = new MountFileProvider(_public);
    }

    public void Dispose() => Directory.Delete(_top, recursive: true);

    [Theory]
    [InlineData("/index.txt", 3)]
    [InlineData("/css/site.css", 6)]
    [InlineData("//css//site.css", 6)]
    [InlineData("/latest.css", 6)] // a link inside: the target's length, not the link text's
    public void Files_inside_are_found(string subpath, long length)
    {
        var file = _files.GetFileInfo(subpath);
        Assert.True(file.Exists);
        Assert.False(file.IsDirectory);
        Assert.Equal(length, file.Length);
        Assert.StartsWith(_files.Root, file.PhysicalPath);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/css")]
    [InlineData("/../outside/site.css")]
    [InlineData("/css/../../outside/site.css")]
    [InlineData("/./index.txt")]
    [InlineData("/.git/config")]
    [InlineData("/css/.hidden")]
    [InlineData("/index.txt\0.png")]
    [InlineData("/missing.txt")]
    public void Other_paths_are_not_found(string subpath)
    {
        Assert.False(_files.GetFileInfo(subpath).Exists);
    }

    [Fact]
    public void Folder_swapped_for_a_link_outside_is_refused_once_the_remembered_check_expires()
    {
        Assert.True(_files.GetFileInfo("/css/site.css").Exists); // css/ is now remembered as link-free
        Directory.Delete(Path.Combine(_public, "css"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(_public, "css"), Path.Combine(_top, "outside"));

        Thread.Sleep(1100);
        Assert.False(_files.GetFileInfo("/css/site.css").Exists);
    }

    [Fact]
    public void Listing_leaves_out_links_that_lead_outside()
    {
        File.CreateSymbolicLink(Path.Combine(_public, "escape.css"), Path.Combine(_top, "outside", "site.css"));
        var names = _files.GetDirectoryContents("/").Select(f => f.Name).Order().ToArray();
        Assert.Equal(["css", "index.txt", "latest.css"], names);
        Assert.Equal(6, _files.GetDirectoryContents("/").Single(f => f.Name == "latest.css").Length);
    }
}
