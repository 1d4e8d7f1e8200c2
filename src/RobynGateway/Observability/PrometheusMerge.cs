using System.Text;

namespace RobynGateway.Observability;

/// <summary>
/// Joins several scrapes in Prometheus' text format (0.0.4) into one, each sample labelled with the
/// process it came from (<c>worker="0"</c>, <c>worker="front"</c>). The exporter writes each scrape;
/// this only regroups: a metric family must appear once, its HELP and TYPE first, then all of its
/// samples from every process, or Prometheus refuses the scrape.
/// </summary>
internal static class PrometheusMerge
{
    sealed class Family
    {
        public string? Help, Type;
        public readonly List<string> Samples = [];
    }

    public static string Merge(IEnumerable<(string Worker, string Text)> scrapes)
    {
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var order = new List<string>();
        Family Get(string name)
        {
            if (!families.TryGetValue(name, out var family))
            {
                families[name] = family = new Family();
                order.Add(name);
            }
            return family;
        }

        foreach (var (worker, text) in scrapes)
        {
            Family? current = null;
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (line.Length == 0) continue;
                if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    current = Get(NameOf(line[7..]));
                    if (line[2] == 'H') current.Help ??= line;
                    else current.Type ??= line;
                }
                else if (line[0] != '#')
                    (current ?? Get(NameOf(line))).Samples.Add(Label(line, worker));
            }
        }

        var output = new StringBuilder();
        foreach (var name in order)
        {
            var family = families[name];
            if (family.Help is { } help) output.Append(help).Append('\n');
            if (family.Type is { } type) output.Append(type).Append('\n');
            foreach (var sample in family.Samples) output.Append(sample).Append('\n');
        }
        return output.ToString();
    }

    static string NameOf(string text)
    {
        var end = text.IndexOfAny([' ', '{']);
        return end < 0 ? text : text[..end];
    }

    /// <summary><c>name{a="b"} 1</c> becomes <c>name{worker="w",a="b"} 1</c>; <c>name 1</c> becomes <c>name{worker="w"} 1</c>.</summary>
    internal static string Label(string sample, string worker)
    {
        var label = $"worker=\"{worker}\"";
        var brace = sample.IndexOf('{');
        var space = sample.IndexOf(' ');
        if (brace >= 0 && (space < 0 || brace < space))
            return sample[brace + 1] == '}'
                ? string.Concat(sample.AsSpan(0, brace + 1), label, sample.AsSpan(brace + 1))
                : $"{sample[..(brace + 1)]}{label},{sample[(brace + 1)..]}";
        return space < 0 ? sample : $"{sample[..space]}{{{label}}}{sample[space..]}";
    }
}
