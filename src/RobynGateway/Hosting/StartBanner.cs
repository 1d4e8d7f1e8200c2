using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace RobynGateway.Hosting;

/// <summary>
/// The one INFO line that says the server is up, once it listens: what runs (the gateway's
/// version, Python's), where (the addresses Kestrel bound, so port 0, a Unix socket or systemd's
/// sockets show as they are), and how (processes × sync workers; metrics, root path when set). It
/// replaces the host's "Now listening on"/"Application started" lines, which Logging keeps below
/// INFO with the rest of the framework. Written by the front under --processes, never by a worker.
/// </summary>
internal static class StartBanner
{
    /// <param name="pythonVersion">The workers' Python under --processes (the front runs none itself).</param>
    /// <param name="servedBy">Under --balance kernel, where the workers serve (the front's Kestrel listens only on its own socket).</param>
    public static void AnnounceStart(this WebApplication web, GatewayOptions options, Serilog.ILogger log, string? pythonVersion = null,
        string? servedBy = null)
    {
        if (options.IsWorker) return;
        web.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var metricsPort = options.MetricsPort is { } m ? $":{m}" : null;
            var serving = addresses.Where(a => metricsPort is null || !a.EndsWith(metricsPort, StringComparison.Ordinal)).ToList();
            var metrics = addresses.FirstOrDefault(a => metricsPort is not null && a.EndsWith(metricsPort, StringComparison.Ordinal));
            // Under --processes, who spreads the connections and why (the default depends on the platform and options).
            var extras = (options.Processes == 1 ? "" : $"; --balance {options.Balance.Name}: {options.Balance.Why}")
                + (metrics is null ? "" : $"; metrics at {metrics}/metrics")
                + (options.RootPath.Length == 0 ? "" : $"; root path {options.RootPath}");
            log.Information("RobynGateway {Version} on Python {PythonVersion}: serving {App} at {Urls} ({Processes} {ProcessWord} × "
                + "{Workers} sync {WorkerWord}{Extras})",
                Version, pythonVersion ?? Python.PythonRuntime.Install.Version.ToString(), Path.GetFileName(options.AppPath),
                servedBy ?? (serving.Count == 0 ? GatewayHost.PublicUrl(options) : string.Join(", ", serving)),
                options.Processes, options.Processes == 1 ? "process" : "processes",
                options.Workers, options.Workers == 1 ? "worker" : "workers", extras);
        });
    }

    static string Version => typeof(StartBanner).Assembly.GetName().Version?.ToString(3) ?? "?";
}
