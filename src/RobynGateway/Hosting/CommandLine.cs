using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;

namespace RobynGateway.Hosting;

/// <summary>
/// What the user typed: <c>RobynGateway [options] app.py [options] [app arguments] [-- app arguments]</c>.
/// System.CommandLine tokenises it from the options in <see cref="GatewayFlags"/> (so <c>--port=9</c>
/// and <c>--port 9</c> are one thing, a missing value is an error, --help is generated); this class
/// then sorts the tokens. Before the app path, an unknown option is an error. After it, an unknown
/// option belongs to the app (Robyn's own flags, the app's argparse) unless it looks like a mistyped
/// gateway option, which is an error with a suggestion; everything after <c>--</c> is the app's.
/// Every argument but the app path is the app's <c>sys.argv[1:]</c>, gateway options included, as
/// Robyn's Config reads --workers and --log-level there.
/// </summary>
internal sealed class CommandLine
{
    readonly Dictionary<GatewayFlag, object> values;

    CommandLine(Dictionary<GatewayFlag, object> values) => this.values = values;

    public string? AppPath { get; private init; }
    public bool Help { get; private init; }
    public bool Version { get; private init; }

    /// <summary>Everything after the program name except the app path (and a <c>--</c>): the app's own sys.argv[1:].</summary>
    public IReadOnlyList<string> AppArgs { get; private init; } = [];

    /// <summary>The gateway options given, as <c>--flag value</c> pairs in order: what a worker re-parses.</summary>
    public IReadOnlyList<string> GatewayArgs { get; private init; } = [];

    /// <summary>The arguments that are the app's alone (unknown options, positionals, all after <c>--</c>).</summary>
    public IReadOnlyList<string> PassThrough { get; private init; } = [];

    /// <summary>
    /// <c>--key=value</c> arguments given with no app path: ASP.NET host configuration, as
    /// WebApplicationFactory passes it (the tests' <c>--Robyn:App=...</c>).
    /// </summary>
    public IReadOnlyList<string> HostingArgs { get; private init; } = [];

    public bool Get(SwitchFlag flag) => values.ContainsKey(flag);
    public T? Get<T>(NumberFlag<T> flag) where T : struct => values.TryGetValue(flag, out var v) ? (T)v : null;
    public string? Get(TextFlag flag) => values.TryGetValue(flag, out var v) ? (string)v : null;

    /// <summary>The command line's value, else the flag's environment variable's (a worker ignores the front's).</summary>
    public bool Setting(SwitchFlag flag, Func<string, string?> env) =>
        Get(flag) || FromEnv(flag, env) is ({ } text, _) && flag.EnvOn(text);
    public T? Setting<T>(NumberFlag<T> flag, Func<string, string?> env) where T : struct =>
        Get(flag) ?? (FromEnv(flag, env) is ({ } text, var name) ? flag.Parse(name, text) : null);
    public string? Setting(TextFlag flag, Func<string, string?> env) =>
        Get(flag) ?? (FromEnv(flag, env) is ({ } text, var name) ? flag.Parse(name, text) : null);

    public bool IsWorker => Get(GatewayFlags.WorkerSocket) is not null;

    /// <summary>The variable's text and its name (the flag's variable, else its older name); null when neither is set.</summary>
    (string? Text, string Name) FromEnv(GatewayFlag flag, Func<string, string?> env)
    {
        if (flag.Env is null || flag.FrontOnly && IsWorker) return (null, "");
        if (env(flag.Env) is { } text && !string.IsNullOrWhiteSpace(text)) return (text, flag.Env);
        if (flag.EnvAlias is { } alias && env(alias) is { } old && !string.IsNullOrWhiteSpace(old)) return (old, alias);
        return (null, "");
    }

    static readonly RootCommand Root = BuildRoot();
    static readonly Dictionary<Option, GatewayFlag> ByOption = GatewayFlags.All.ToDictionary(f => f.Option);
    static readonly ParserConfiguration Config = new()
    {
        ResponseFileTokenReplacer = null, // "@file" is an app argument
        EnablePosixBundling = false,      // "-xyz" too
    };

    static RootCommand BuildRoot()
    {
        var root = new RootCommand("Runs a Robyn app on ASP.NET Core (Kestrel). Only handlers and hooks run in Python.\n\n"
            + "Flags given here win over the environment (the variables below, also read from robyn.env beside the app), "
            + "which wins over the app's code (app.start(...) arguments, its Config). Arguments after the app path that are "
            + "not options of the gateway, and all after --, are the app's; every argument is in the app's sys.argv. "
            + "An option with a variable can also be set in appsettings.json beside the app, in its Robyn section "
            + "(below the environment): {\"Robyn\": {\"Workers\": 4, \"MaxConnections\": 1000}}.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Arguments.Add(new Argument<string>("app.py") { Description = "The Robyn app file.", Arity = ArgumentArity.ZeroOrOne });
        foreach (var flag in GatewayFlags.All) root.Options.Add(flag.Option);
        // Help goes to pipes and files as often as to a terminal: wrap it at a width that reads in both.
        foreach (var help in root.Options.OfType<HelpOption>())
            if (help.Action is HelpAction action) action.MaxWidth = 100;
        return root;
    }

    /// <summary>--help's text.</summary>
    public static string Usage => usage ??= RenderHelp();
    static string? usage;

    static string RenderHelp()
    {
        var output = new StringWriter();
        Root.Parse(["--help"], Config).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString();
    }

    public static string VersionText => $"RobynGateway {typeof(CommandLine).Assembly.GetName().Version?.ToString(3)} "
        + $"(Robyn {RobynApiVersion} API, .NET {Environment.Version})";

    /// <summary>The Robyn release whose API the bundled robyn package follows (robyn/version.py).</summary>
    public const string RobynApiVersion = "0.88.0";

    /// <summary>Parses the arguments; throws <see cref="UsageException"/> with a message for the user.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var result = Root.Parse(args, Config);
        var tokens = result.Tokens;
        var values = new Dictionary<GatewayFlag, object>();
        var appArgs = new List<string>();
        var gatewayArgs = new List<string>();
        var passThrough = new List<string>();
        var unknownBeforeApp = new List<string>();
        string? appPath = null;
        bool help = false, version = false, afterDoubleDash = false;

        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (afterDoubleDash)
            {
                appArgs.Add(token.Value);
                passThrough.Add(token.Value);
                continue;
            }
            if (token.Type == TokenType.DoubleDash)
            {
                afterDoubleDash = true;
                continue;
            }
            if (token.Type == TokenType.Option)
            {
                var option = FindOption(token.Value);
                if (option is HelpOption) help = true;
                else if (option is VersionOption) version = true;
                else if (option is not null && ByOption.TryGetValue(option, out var flag))
                {
                    gatewayArgs.Add(flag.Name);
                    appArgs.Add(token.Value); // as typed: --client-timeout stays Robyn's name in the app's argv
                    if (!flag.TakesValue)
                    {
                        values[flag] = true;
                        continue;
                    }
                    if (i + 1 >= tokens.Count || tokens[i + 1].Type != TokenType.Argument)
                        throw new UsageException($"{token.Value} needs a value.");
                    var text = tokens[++i].Value;
                    values[flag] = flag.Convert(token.Value, text);
                    gatewayArgs.Add(text);
                    appArgs.Add(text);
                }
                continue;
            }
            var value = token.Value;
            var looksLikeOption = value.Length > 1 && value[0] == '-';
            if (appPath is null && !looksLikeOption)
            {
                appPath = value;
                continue;
            }
            if (looksLikeOption && appPath is null) unknownBeforeApp.Add(value);
            else
            {
                if (looksLikeOption && Suggest(value) is { } meant)
                    throw new UsageException($"Unknown option {value}: did you mean {meant}? (An argument meant for the app "
                        + $"goes after --: RobynGateway app.py -- {value}.)");
                appArgs.Add(value);
                passThrough.Add(value);
            }
        }

        // With no app path, --key=value arguments are the host's configuration (WebApplicationFactory's).
        var hosting = appPath is null && !help && !version && unknownBeforeApp.All(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('='));
        if (!hosting && !help && !version && unknownBeforeApp.Count > 0)
        {
            var first = unknownBeforeApp[0];
            var meant = Suggest(first);
            throw new UsageException($"Unknown option {first}" + (meant is null ? "" : $": did you mean {meant}?")
                + " Options for the app go after the app path (see --help).");
        }
        return new CommandLine(values)
        {
            AppPath = appPath,
            Help = help,
            Version = version,
            AppArgs = appArgs,
            GatewayArgs = gatewayArgs,
            PassThrough = passThrough,
            HostingArgs = hosting ? unknownBeforeApp : [],
        };
    }

    static Option? FindOption(string name)
    {
        foreach (var option in Root.Options)
            if (option.Name == name || option.Aliases.Contains(name)) return option;
        return null;
    }

    /// <summary>
    /// The gateway option an unknown <paramref name="given"/> was probably meant to be: one edit away
    /// (two for names of six letters or more), a swapped pair counting as one, or a prefix of it.
    /// Robyn's own flags (--fast, --docs, ...) are the app's and never a typo.
    /// </summary>
    internal static string? Suggest(string given)
    {
        var name = given.Split('=', 2)[0];
        if (!name.StartsWith("--", StringComparison.Ordinal) || GatewayFlags.RobynAppFlags.Contains(name)) return null;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var flag in GatewayFlags.All)
        {
            if (flag.Internal) continue;
            var d = Distance(name[2..], flag.Name[2..]);
            var allowed = flag.Name.Length - 2 >= 6 ? 2 : 1;
            var prefix = name.Length - 2 >= 3 && flag.Name.StartsWith(name, StringComparison.Ordinal);
            if ((d <= allowed || prefix) && d < bestDistance)
            {
                best = flag.Name;
                bestDistance = d;
            }
        }
        return best;
    }

    /// <summary>Optimal string alignment distance (Levenshtein with adjacent swaps).</summary>
    static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        for (var j = 1; j <= b.Length; j++)
        {
            var cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
        }
        return d[a.Length, b.Length];
    }

    internal static double ParseSeconds(string flag, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && s <= 86400
            ? s
            : throw new UsageException($"{flag} {value}: expected a number of seconds.");

    /// <summary>0 (off), or at least a second: a shorter one would call a busy moment a hang.</summary>
    internal static double ParseHangTimeout(string what, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && (s == 0 || s >= 1 && s <= 86400)
            ? s
            : throw new UsageException($"{what} {value}: expected 0 (off) or a number of seconds from 1 to 86400.");

    /// <summary>A Kestrel timeout: more than zero (Kestrel refuses zero), at most a day.</summary>
    internal static double ParseTimeout(string what, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 86400
            ? s
            : throw new UsageException($"{what} {value}: expected a number of seconds above 0 (at most 86400).");

    internal static bool ParseOnOff(string what, string value) => value.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new UsageException($"{what}={value}: use true or false."),
    };

    internal static int ParseInt(string what, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{what} {value}: expected a whole number from {min} to {max}.");
}

/// <summary>Bad command-line input; the message is printed as is, with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
