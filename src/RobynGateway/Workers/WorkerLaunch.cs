namespace RobynGateway.Workers;

/// <summary>
/// How the front starts a worker: the program that read the app (the apphost, or <c>dotnet RobynGateway.dll</c>),
/// the same app and app arguments, the interpreter the front chose, and the worker-only flags.
/// </summary>
internal sealed class WorkerLaunch(string fileName, IReadOnlyList<string> prefix, string appPath,
    IReadOnlyList<string> gatewayArgs, IReadOnlyList<string> passThrough, string python,
    string healthPath = Web.HealthEndpoints.DefaultPath, Func<int, IReadOnlyList<string>>? kernelArgs = null)
{
    public string FileName { get; } = fileName;

    /// <summary>Where the workers answer health checks: the front's own path, so its probe knows it.</summary>
    public string HealthPath { get; } = healthPath;

    public IEnumerable<string> Arguments(string socketPath, int slot)
    {
        foreach (var a in prefix) yield return a;
        yield return appPath;
        foreach (var a in gatewayArgs) yield return a;
        yield return "--python";
        yield return python;
        yield return "--worker-socket";
        yield return socketPath;
        yield return "--worker-of";
        yield return Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--health-path";
        yield return HealthPath;
        foreach (var a in kernelArgs?.Invoke(slot) ?? []) yield return a;
        // The app's own arguments after "--", so that the worker never reads one as its own option.
        if (passThrough.Count == 0) yield break;
        yield return "--";
        foreach (var a in passThrough) yield return a;
    }

    /// <summary>
    /// What a worker of <c>--balance kernel</c> needs beyond the usual: it serves the public itself, so
    /// the front's own settings for that (TLS, proxy trust, the shutdown delay) go down as resolved
    /// values (the front may have read them from the environment, which a worker ignores for them),
    /// with the inherited descriptors; and --max-requests, which the worker counts and reports.
    /// </summary>
    public static List<string> KernelArguments(Hosting.GatewayOptions options, IReadOnlyList<int> fds)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        List<string> args = ["--listen-fds", string.Join(',', fds), "--forwarded-allow-ips", options.ForwardedTrust.ToString()];
        if (options.SslCertFile is { } cert && options.SslKeyFile is { } key) args.AddRange(["--ssl-certfile", cert, "--ssl-keyfile", key]);
        if (options.ShutdownDelay > TimeSpan.Zero) args.AddRange(["--shutdown-delay", options.ShutdownDelay.TotalSeconds.ToString(inv)]);
        if (options.MaxRequests > 0) args.AddRange(["--max-requests", options.MaxRequests.ToString(inv)]);
        if (options.Backlog is { } backlog) args.AddRange(["--backlog", backlog.ToString(inv)]); // the worker's Kestrel calls listen()
        return args;
    }

    /// <summary>
    /// The command that runs this program: <c>dotnet x.dll</c> through the muxer, else the apphost
    /// (or the NativeAOT image, which is its own program). The process that read the app computes
    /// it and hands it to the front in its plan (Workers/FrontExec), where the image replaces it.
    /// </summary>
    public static IReadOnlyList<string> ThisProgram()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var viaMuxer = Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return viaMuxer ? [path, typeof(WorkerLaunch).Assembly.Location] : [path];
    }

    /// <summary>Workers of <paramref name="program"/> (<see cref="ThisProgram"/>) for the front's own arguments.</summary>
    public static WorkerLaunch For(IReadOnlyList<string> program, string appPath, IReadOnlyList<string> gatewayArgs,
        IReadOnlyList<string> passThrough, string python, string healthPath = Web.HealthEndpoints.DefaultPath,
        Func<int, IReadOnlyList<string>>? kernelArgs = null)
    {
        // Flags that are the front's alone (processes, TLS, trust of proxies, health: the front
        // answers those), and --python, which the front resolves and passes explicitly.
        // GatewayArgs holds "--flag value" pairs (CommandLine normalises "--flag=value").
        var frontOnly = Hosting.GatewayFlags.All.Where(f => f.FrontOnly || f.Internal).ToDictionary(f => f.Name);
        var filtered = new List<string>();
        for (var i = 0; i < gatewayArgs.Count; i++)
        {
            if (frontOnly.TryGetValue(gatewayArgs[i], out var flag))
            {
                if (flag.TakesValue) i++;
                continue;
            }
            filtered.Add(gatewayArgs[i]);
        }
        return new WorkerLaunch(program[0], [.. program.Skip(1)], appPath, filtered, passThrough, python, healthPath, kernelArgs);
    }
}
