namespace RobynGateway.Workers;

/// <summary>
/// How the front starts a worker: this same program (the apphost, or <c>dotnet RobynGateway.dll</c>),
/// the same app and app arguments, the interpreter the front chose, and the worker-only flags.
/// </summary>
internal sealed class WorkerLaunch(string fileName, IReadOnlyList<string> prefix, string appPath,
    IReadOnlyList<string> appArgs, string python, string healthPath = Web.HealthEndpoints.DefaultPath)
{
    public string FileName { get; } = fileName;

    /// <summary>Where the workers answer health checks: the front's own path, so its probe knows it.</summary>
    public string HealthPath { get; } = healthPath;

    public IEnumerable<string> Arguments(string socketPath, int slot)
    {
        foreach (var a in prefix) yield return a;
        yield return appPath;
        foreach (var a in appArgs) yield return a;
        yield return "--python";
        yield return python;
        yield return "--worker-socket";
        yield return socketPath;
        yield return "--worker-of";
        yield return Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--health-path";
        yield return HealthPath;
    }

    /// <summary>This process's own command: <c>dotnet x.dll</c> when run through the muxer, else the apphost.</summary>
    public static WorkerLaunch ForThisProcess(string appPath, IReadOnlyList<string> appArgs, string python,
        string healthPath = Web.HealthEndpoints.DefaultPath)
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var entry = typeof(WorkerLaunch).Assembly.Location;
        var viaMuxer = Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        // Flags that are the front's alone (processes, TLS, trust of proxies, health: the front
        // answers those), and --python, which the front resolves and passes explicitly.
        var filtered = new List<string>();
        for (var i = 0; i < appArgs.Count; i++)
        {
            var (flag, inline) = Split(appArgs[i]);
            if (flag is "--processes" or "--python" or "--max-requests" or "--ssl-certfile" or "--ssl-keyfile"
                or "--forwarded-allow-ips" or "--health-path")
            {
                if (inline is null) i++;
                continue;
            }
            filtered.Add(appArgs[i]);
        }
        return new WorkerLaunch(path, viaMuxer ? [entry] : [], appPath, filtered, python, healthPath);
    }

    static (string, string?) Split(string arg)
    {
        var eq = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }
}
