using System.Net;
using RobynGateway.Tests.Infrastructure;

namespace RobynGateway.Tests.Templates;

/// <summary>
/// Jinja2 templates from a real gateway process. It embeds Debian's
/// /usr/bin/python3, for which the suite installs python3-jinja2 (scripts/install-test-deps.sh).
/// </summary>
public sealed class TemplateProcessTests
{
    [Fact]
    public async Task Templates_beside_the_app_render_as_escaped_utf8_html()
    {
        await using var gateway = await GatewayProcess.Start("templates_app.py", ["--python", "/usr/bin/python3"]).WaitReadyAsync();
        Assert.Contains("at /usr/bin/python3", gateway.Output);

        using var hello = await gateway.Client.GetAsync("/hello?name=%3Cscript%3E%20%C3%A9");
        Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        Assert.Equal("text/html; charset=utf-8", hello.Content.Headers.ContentType?.ToString());
        var page = await hello.Content.ReadAsStringAsync();
        Assert.Contains("<html><body><p>Hello, &lt;script&gt; é!</p></body></html>", page);

        using var byHand = await gateway.Client.GetAsync("/by-hand");
        Assert.Contains("<p>Hello, &lt;by hand&gt;!</p>", await byHand.Content.ReadAsStringAsync());

        using var missing = await gateway.Client.GetAsync("/missing");
        Assert.Equal(HttpStatusCode.InternalServerError, missing.StatusCode);
        await Task.Delay(200);
        Assert.Contains("'no_such_template.html' not found in ", gateway.Output);
    }
}
