namespace RobynGateway.Hosting;

/// <summary>
/// <c>robyn.env</c> beside the app file (KEY=VALUE lines, <c>#</c> comments), as Robyn reads it.
/// Python's <c>Robyn(__file__)</c> loads it into <c>os.environ</c> too late for the settings the
/// gateway reads before the app file runs (ROBYN_MAX_PAYLOAD_SIZE, ROBYN_DEV_MODE, ROBYN_PORT, ...),
/// and .NET does not see variables Python sets, so the gateway reads the file itself: the same
/// file, the same rule (a variable already in the environment wins).
/// </summary>
internal static class RobynEnvFile
{
    public const string FileName = "robyn.env";

    /// <summary>The environment, with the file's values for the variables it does not set.</summary>
    public static Func<string, string?> Layer(string? appPath, Func<string, string?> env)
    {
        if (appPath is null) return env;
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(appPath))!, FileName);
        if (!File.Exists(file)) return env;
        var values = Parse(File.ReadAllLines(file));
        return name => env(name) ?? values.GetValueOrDefault(name);
    }

    /// <summary>Python's parse (robyn/env_populator.py): first '=' splits, both sides trimmed.</summary>
    internal static Dictionary<string, string> Parse(IEnumerable<string> lines)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0 || line[..eq].Trim().Length == 0) continue;
            values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return values;
    }
}
