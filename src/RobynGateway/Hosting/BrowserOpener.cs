using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace RobynGateway.Hosting;

/// <summary>
/// <c>--open-browser</c> (or ROBYN_BROWSER_OPEN, or <c>config.open_browser</c> set in code): once
/// the server listens, opens its address with Python's <c>webbrowser</c>, as Robyn does, so
/// <c>$BROWSER</c> and the platform's opener are honoured the same way. Once per run: a --dev
/// restart does not open another tab.
/// </summary>
internal sealed class BrowserOpener(IServer server, IHostApplicationLifetime lifetime, ILogger<BrowserOpener> log) : IHostedService
{
    /// <summary>Set by the first child of a --dev supervisor for the ones after it.</summary>
    public const string OpenedEnv = "ROBYN_BROWSER_OPENED";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(OpenedEnv) == "1") return Task.CompletedTask;
        lifetime.ApplicationStarted.Register(() => _ = Task.Run(Open));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    void Open()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null) return;
        // A wildcard listen address is not one a browser can open.
        var url = address.Replace("://0.0.0.0:", "://127.0.0.1:").Replace("://[::]:", "://localhost:")
            .Replace("://+:", "://localhost:").Replace("://*:", "://localhost:");
        try
        {
            using (var gil = RobynGateway.Python.Gil.Acquire())
            {
                using var webbrowser = RobynGateway.Python.PyHandle.Import("webbrowser", gil.Held);
                using var opened = webbrowser.CallMethod("open", gil.Held, url);
                if (!opened.Truth(gil.Held)) log.LogWarning("No browser could be opened for {Url}: open it yourself", url);
                else log.LogInformation("Opened {Url} in a browser", url);
            }
        }
        catch (Exception ex)
        {
            log.LogWarning("Opening {Url} in a browser failed: {Error}", url, ex.Message);
        }
    }
}
