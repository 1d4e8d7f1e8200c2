using Microsoft.Extensions.Configuration;

namespace RobynGateway.Hosting;

/// <summary>
/// Every option that has an environment variable can also be set in appsettings.json (and
/// appsettings.{Environment}.json) beside the app, in a <c>Robyn</c> section keyed by the flag's
/// name in PascalCase: <c>{"Robyn": {"Workers": 4, "MaxConnections": 1000, "RootPath": "/api"}}</c>.
/// The file sits below the environment (and robyn.env) and above the app's code, so a deployment
/// can pin a value the code chose and an operator can still override it with a variable. It is
/// one more layer under the variables' lookup, so each flag reads it with no code of its own.
/// </summary>
internal static class AppSettings
{
    public const string Section = "Robyn";

    /// <summary>The environment the host runs in, as WebApplication names it (Production unless set).</summary>
    static string EnvironmentName =>
        Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } a ? a
        : Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } d ? d : "Production";

    /// <summary>The app folder's appsettings.json and appsettings.{Environment}.json, after those already added.</summary>
    public static IConfigurationBuilder AddAppFolder(this IConfigurationBuilder config, string? appPath, string? environment = null)
    {
        if (appPath is null || !File.Exists(appPath)) return config;
        var folder = Path.GetDirectoryName(Path.GetFullPath(appPath))!;
        return config.AddJsonFile(Path.Combine(folder, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(folder, $"appsettings.{environment ?? EnvironmentName}.json"), optional: true);
    }

    /// <summary>
    /// The variables' lookup with the file's values under it: asked for a flag's variable that is not
    /// set, it answers with the flag's <c>Robyn:Key</c>. A bad value is refused here, naming the key
    /// and the file, rather than later under the variable's name.
    /// </summary>
    public static Func<string, string?> Layer(IConfiguration config, Func<string, string?> env)
    {
        var section = config.GetSection(Section);
        if (!section.Exists()) return env;
        var values = new Dictionary<string, (string Text, string? Alias)>(StringComparer.Ordinal);
        foreach (var flag in GatewayFlags.All)
        {
            if (flag.Env is null || section[flag.ConfigKey] is not { } text || string.IsNullOrWhiteSpace(text)) continue;
            flag.Convert($"appsettings.json {Section}:{flag.ConfigKey}", text);
            values[flag.Env] = (text, flag.EnvAlias);
        }
        // A variable's older name (ROBYN_CLIENT_TIMEOUT) is still the environment: it beats the file.
        return name => env(name) ?? (values.TryGetValue(name, out var v) && (v.Alias is null || env(v.Alias) is null) ? v.Text : null);
    }

    /// <summary>
    /// Where settings come from before a host is built (Program's --dev check, the dev supervisor):
    /// the environment, robyn.env, then the app folder's appsettings files.
    /// </summary>
    public static Func<string, string?> Sources(string? appPath) =>
        Layer(new ConfigurationBuilder().AddAppFolder(appPath).Build(),
            RobynEnvFile.Layer(appPath, Environment.GetEnvironmentVariable));
}
