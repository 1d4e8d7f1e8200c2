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
        Help = env is null ? help : $"{help} [env {env}]";
    }

    /// <summary>The long form, <c>--port</c>.</summary>
    public string Name { get; }

    /// <summary>The environment variable that sets it when the command line does not (null: none).</summary>
    public string? Env { get; }

    public string Help { get; }

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

    protected override Option Build() => new Option<bool>(Name)
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

    protected override Option Build() => new Option<string>(Name)
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
