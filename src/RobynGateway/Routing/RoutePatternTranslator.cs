using System.Text;

namespace RobynGateway.Routing;

/// <summary>
/// Robyn route syntax to ASP.NET Core route templates: <c>:name</c> is one segment
/// (<c>{name}</c>); <c>*name</c> is the rest of the path, at least one character
/// (<c>{**name:minlength(1)}</c>, the double star keeps slashes unescaped). Literal braces are
/// escaped. ASP.NET's own precedence then gives Robyn's priority: static segments beat
/// parameters, which beat catch-alls, whatever the registration order.
/// </summary>
internal static class RoutePatternTranslator
{
    public static string ToTemplate(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 8);
        foreach (var segment in pattern.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            sb.Append('/');
            if (segment.Length > 1 && segment[0] == ':')
                sb.Append('{').Append(segment, 1, segment.Length - 1).Append('}');
            else if (segment.Length > 1 && segment[0] == '*')
                sb.Append("{**").Append(segment, 1, segment.Length - 1).Append(":minlength(1)}");
            else
                sb.Append(segment.Replace("{", "{{").Replace("}", "}}"));
        }
        return sb.Length == 0 ? "/" : sb.ToString();
    }

    /// <summary>The template with parameter names erased: two routes with the same shape conflict.</summary>
    public static string Shape(string pattern) =>
        string.Join('/', pattern.Split('/').Select(s => s.StartsWith(':') ? ":" : s.StartsWith('*') ? "*" : s));
}
