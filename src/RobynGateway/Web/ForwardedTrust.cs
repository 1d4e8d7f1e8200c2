using System.Net;
using RobynGateway.Hosting;

namespace RobynGateway.Web;

/// <summary>
/// The peers whose X-Forwarded-For / X-Forwarded-Proto are believed: <c>--forwarded-allow-ips</c>
/// (uvicorn's name and default), parsed once at start. <see cref="Any"/> is uvicorn's <c>*</c>.
/// </summary>
internal sealed record ForwardedTrust(bool Any, IReadOnlyList<IPAddress> Proxies, IReadOnlyList<IPNetwork> Networks)
{
    /// <summary>uvicorn's default: only a proxy on the same machine, over IPv4 loopback.</summary>
    public const string DefaultList = "127.0.0.1";

    public static readonly ForwardedTrust Default = Parse(DefaultList, "--forwarded-allow-ips");

    /// <summary>A comma-separated list of IP addresses, CIDR networks, or <c>*</c>; <paramref name="source"/> names it in errors.</summary>
    public static ForwardedTrust Parse(string list, string source)
    {
        var proxies = new List<IPAddress>();
        var networks = new List<IPNetwork>();
        var any = false;
        foreach (var entry in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (entry == "*") any = true;
            else if (entry.Contains('/'))
                networks.Add(IPNetwork.TryParse(entry, out var network) ? network : throw new UsageException(
                    $"{source} {list}: {entry} is not a CIDR network (e.g. 10.0.0.0/8)."));
            else
                proxies.Add(IPAddress.TryParse(entry, out var address) ? address : throw new UsageException(
                    $"{source} {list}: {entry} is not an IP address (give IPs, CIDR networks, or * for any)."));
        }
        if (!any && proxies.Count == 0 && networks.Count == 0)
            throw new UsageException($"{source} '{list}': give IPs, CIDR networks, or * for any.");
        return any ? new ForwardedTrust(true, [], []) : new ForwardedTrust(false, proxies, networks);
    }

    public override string ToString() => Any ? "*" : string.Join(", ", [.. Proxies.Select(p => p.ToString()), .. Networks.Select(n => n.ToString())]);
}
