using System.CommandLine;

namespace RobynGateway.Hosting;

/// <summary>
/// One option of the gateway's command line: its name, its environment variable, its help, and
/// how its text becomes a value. <see cref="GatewayFlags"/> lists them all; the parser, --help,
/// the environment layer and the worker launch are all built from that list, so a new option is
/// one entry there (and the code that reads it).
/// </summary>
internal abstract class GatewayFlag
{
    protected GatewayFlag(string name, string? env, string help)
    {
        Name = name;
        Env = env;
        this.help = help;
    }

    readonly string help;

    /// <summary>The long form, <c>--port</c>.</summary>
    public string Name { get; }

    /// <summary>The environment variable that sets it when the command line does not (null: none).</summary>
    public string? Env { get; }

    /// <summary>An older name of the variable, read when <see cref="Env"/> is not set.</summary>
    public string? EnvAlias { get; init; }

    /// <summary>Another spelling of the option (Robyn's name, where ours is clearer).</summary>
    public string? Alias { get; init; }

    /// <summary>
    /// Its key in the <c>Robyn</c> section of appsettings.json: the flag's name in PascalCase
    /// (<c>--max-connections</c>: <c>Robyn:MaxConnections</c>), unless it reads the other way round.
    /// </summary>
    public string ConfigKey
    {
        get => configKey ??= string.Concat(Name[2..].Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        init => configKey = value;
    }
    string? configKey;

    public string Help => Env is null ? help : $"{help} [env {Env}{(EnvAlias is null ? "" : $" or {EnvAlias}")}]";

    /// <summary>
    /// The front's alone under --processes: never passed on to a worker, and a worker ignores its
    /// environment variable (workers inherit the front's environment).
    /// </summary>
    public bool FrontOnly { get; init; }

    /// <summary>Set by the front for its workers, not by users: left out of --help, no environment variable.</summary>
    public bool Internal { get; init; }

    public abstract bool TakesValue { get; }

    /// <summary>The System.CommandLine option (for tokenising and help); built once, from the fields above.</summary>
    public Option Option => option ??= Build();
    Option? option;

    protected abstract Option Build();

    /// <summary>The value of <paramref name="text"/>; throws <see cref="UsageException"/> naming <paramref name="what"/>.</summary>
    public abstract object Convert(string what, string text);
}

/// <summary>An option without a value (<c>--dev</c>).</summary>
internal sealed class SwitchFlag(string name, string? env, string help, Func<string, bool>? envMeansOn = null)
    : GatewayFlag(name, env, help)
{
    public override bool TakesValue => false;

    /// <summary>What the variable's text means: by default true/1/yes/on (any case) turn it on, anything else off.</summary>
    public bool EnvOn(string text) => (envMeansOn ?? DefaultOn)(text);

    static bool DefaultOn(string text) => text.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "on";

    protected override Option Build() => new Option<bool>(Name, Alias is null ? [] : [Alias])
    {
        Description = Help,
        Arity = ArgumentArity.Zero,
        Hidden = Internal,
    };

    public override object Convert(string what, string text) => EnvOn(text);
}

/// <summary>An option with one value (<c>--port 8080</c> or <c>--port=8080</c>); given twice, the last wins.</summary>
internal class ValueFlag<T>(string name, string? env, string helpName, string help, Func<string, string, T> parse)
    : GatewayFlag(name, env, help) where T : notnull
{
    public override bool TakesValue => true;

    protected override Option Build() => new Option<string>(Name, Alias is null ? [] : [Alias])
    {
        Description = Help,
        HelpName = helpName,
        Arity = ArgumentArity.ExactlyOne,
        Hidden = Internal,
    };

    public T Parse(string what, string text) => parse(what, text);

    public override object Convert(string what, string text) => parse(what, text);
}

/// <summary>A number (or other value type): absent is null, not zero.</summary>
internal sealed class NumberFlag<T>(string name, string? env, string helpName, string help, Func<string, string, T> parse)
    : ValueFlag<T>(name, env, helpName, help, parse) where T : struct;

/// <summary>A text value, checked and normalised by <paramref name="check"/> (by default taken as given).</summary>
internal sealed class TextFlag(string name, string? env, string helpName, string help, Func<string, string, string>? check = null)
    : ValueFlag<string>(name, env, helpName, help, check ?? ((_, v) => v));
