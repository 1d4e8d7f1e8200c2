using Microsoft.AspNetCore.StaticFiles;
using RobynGateway.Python;

namespace RobynGateway.Web;

/// <summary>A <c>serve_directory</c> mount whose folder exists, ready to serve.</summary>
internal sealed record ServedMount(PathString Route, MountFileProvider Files, string? IndexFile, bool ShowListing);

/// <summary>
/// <c>app.serve_directory(...)</c> served by ASP.NET Core's static file middlewares, one set per
/// mount, before routing: a file request never enters Python. ETag, Last-Modified, Range and the
/// conditional requests are StaticFileMiddleware's. Only GET and HEAD of something that exists are
/// answered here; anything else (another method, a missing file, a refused path) goes on to the
/// app's routes, so an API can share the prefix (<c>POST /static/build</c>).
/// </summary>
internal static class StaticMounts
{
    // Shared by all mounts; extensions it does not know are served as application/octet-stream.
    static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>The mounts to serve, longest route first so a nested mount wins over its parent.</summary>
    public static IReadOnlyList<ServedMount> Prepare(IReadOnlyList<StaticMount> declared, Serilog.ILogger log)
    {
        var served = new List<ServedMount>();
        foreach (var mount in declared.OrderByDescending(m => m.Route.Length))
        {
            if (!Directory.Exists(mount.Directory))
            {
                log.Warning("serve_directory {Route}: {Directory} is not a directory; the mount is skipped", mount.Route, mount.Directory);
                continue;
            }
            var files = new MountFileProvider(mount.Directory);
            served.Add(new ServedMount(mount.Route == "/" ? PathString.Empty : new PathString(mount.Route),
                files, mount.IndexFile, mount.ShowListing));
            log.Information("Static files: {Route} -> {Directory}{Index}{Listing}", mount.Route, files.Root,
                mount.IndexFile is null ? "" : $" (index {mount.IndexFile})", mount.ShowListing ? " (listing)" : "");
        }
        return served;
    }

    public static void UseStaticMounts(this IApplicationBuilder app, IReadOnlyList<ServedMount> mounts)
    {
        foreach (var mount in mounts)
        {
            // Order matters: the index rewrite must happen before the file is looked up, and the
            // listing is only for directories nothing else answered.
            if (mount.IndexFile is { } index)
                app.UseDefaultFiles(new DefaultFilesOptions
                {
                    RequestPath = mount.Route,
                    FileProvider = mount.Files,
                    DefaultFileNames = [index],
                    RedirectToAppendTrailingSlash = true,
                });
            app.UseStaticFiles(new StaticFileOptions
            {
                RequestPath = mount.Route,
                FileProvider = mount.Files,
                ContentTypeProvider = ContentTypes,
                ServeUnknownFileTypes = true,
                DefaultContentType = "application/octet-stream",
            });
            if (mount.ShowListing)
                app.UseDirectoryBrowser(new DirectoryBrowserOptions
                {
                    RequestPath = mount.Route,
                    FileProvider = mount.Files,
                    RedirectToAppendTrailingSlash = true,
                });
        }
    }
}
