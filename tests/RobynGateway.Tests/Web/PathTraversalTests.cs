using System.Net;
using Microsoft.AspNetCore.Http;

namespace RobynGateway.Tests.Web;

/// <summary>
/// Nothing outside a mount's folder is served: encoded "..", backslashes, absolute paths and
/// symlinks that lead out all end in the app's 404. static_app.py sits one folder above the
/// /static mount, so its source is what a traversal would leak.
/// </summary>
public static class Traversal
{
    public static readonly TheoryData<string> Attempts = new()
    {
        "/static/../static_app.py",
        "/static/..%2fstatic_app.py",
        "/static/..%2Fstatic_app.py",
        "/static/%2e%2e/static_app.py",
        "/static/%2e%2e%2fstatic_app.py",
        "/static/.%2e/static_app.py",
        "/static/..%5cstatic_app.py",
        "/static/site/..%2f..%2fstatic_app.py",
        "/static/site/%2e%2e/%2e%2e/static_app.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/%2Fetc/passwd",
        "/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    };

    /// <summary>Symlinks in static_app.py's /links mount that lead out of it.</summary>
    public static readonly TheoryData<string> EscapingLinks = new()
    {
        "/links/escape.txt",      // relative link to ../outside/secret.txt
        "/links/absolute.txt",    // absolute link to the same file
        "/links/out/secret.txt",  // a linked folder outside
        "/links/passwd",          // /etc/passwd
    };

    public static void AssertNothingLeaked(string answer)
    {
        Assert.DoesNotContain("serve_directory", answer);
        Assert.DoesNotContain("root:", answer);
        Assert.DoesNotContain("outside the mount", answer);
    }
}

public sealed class PathTraversalTests(StaticAppFactory factory) : IClassFixture<StaticAppFactory>
{
    readonly HttpClient _client = factory.CreateClient();

    /// <summary>
    /// The path as Kestrel decodes it (all but %2F) but without its dot-segment removal, as a
    /// server or proxy in front might hand it over: the static files must hold on their own.
    /// </summary>
    [Theory]
    [MemberData(nameof(Traversal.Attempts), MemberType = typeof(Traversal))]
    public async Task Traversal_attempt_is_404_even_without_normalisation(string target)
    {
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = PathString.FromUriComponent(target);
        });
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Equal(404, context.Response.StatusCode);
        Assert.Equal("Not found", body);
    }

    [Theory]
    [MemberData(nameof(Traversal.EscapingLinks), MemberType = typeof(Traversal))]
    public async Task Symlink_out_of_the_mount_is_404(string path)
    {
        using var r = await _client.GetAsync(path);
        var body = await r.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Traversal.AssertNothingLeaked(body);
    }

    [Theory]
    [InlineData("/links/real.txt", "inside the mount\n")]
    [InlineData("/links/alias.txt", "inside the mount\n")]   // relative link to a file beside it
    [InlineData("/links/inner/deep.txt", "deep inside\n")]   // absolute link to a folder inside
    public async Task Symlink_that_stays_inside_is_served(string path, string expected)
    {
        Assert.Equal(expected, await _client.GetStringAsync(path));
    }

    [Fact]
    public async Task Listing_leaves_out_links_that_lead_outside()
    {
        var page = await _client.GetStringAsync("/links/");
        Assert.Contains("alias.txt", page);
        Assert.Contains("real.txt", page);
        Assert.Contains("inner", page);
        Assert.DoesNotContain("escape.txt", page);
        Assert.DoesNotContain("absolute.txt", page);
        Assert.DoesNotContain("passwd", page);
        Assert.DoesNotContain(">out<", page);
    }

    [Fact]
    public async Task Listing_of_a_linked_folder_outside_is_404()
    {
        using var r = await _client.GetAsync("/links/out/");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Traversal.AssertNothingLeaked(await r.Content.ReadAsStringAsync());
    }
}
