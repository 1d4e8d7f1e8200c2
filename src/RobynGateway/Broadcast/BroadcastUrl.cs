using System.Globalization;
using RobynGateway.Hosting;
using StackExchange.Redis;

namespace RobynGateway.Broadcast;

/// <summary>
/// <c>--broadcast redis://[user:password@]host[:port][/db]</c> (or <c>rediss://</c> for TLS), checked
/// at start so a typo is a usage error (exit 2), not an instance that silently stays alone. Redis's
/// pub/sub ignores the database number, so the number goes into the channel name instead: apps given
/// different numbers on one Redis never see each other's messages.
/// </summary>
internal sealed record BroadcastUrl(string Host, int Port, int Database, string? User, string? Password, bool Tls)
{
    public const int DefaultPort = 6379;

    public static BroadcastUrl Parse(string value, string source)
    {
        UsageException Bad(string why) => new(
            $"{source} {value}: {why}; expected redis://host:port/db, e.g. redis://127.0.0.1:6379/0.");
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)) throw Bad("not a URL");
        var tls = uri.Scheme switch
        {
            "redis" => false,
            "rediss" => true,
            _ => throw Bad($"the scheme must be redis or rediss, not {uri.Scheme}"),
        };
        if (string.IsNullOrEmpty(uri.Host)) throw Bad("no host");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0) throw Bad("a query or fragment is not read");
        var path = uri.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && !(int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) && database <= 1_000_000))
            throw Bad($"the database must be a whole number, not {path}");
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var info = Uri.UnescapeDataString(uri.UserInfo);
            var colon = info.IndexOf(':');
            (user, password) = colon < 0 ? (null, info) : (NullIfEmpty(info[..colon]), info[(colon + 1)..]);
        }
        return new BroadcastUrl(uri.IdnHost, uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port, database, user, password, tls);
    }

    /// <summary>The channel every instance of this app publishes on and listens to.</summary>
    public RedisChannel Channel => RedisChannel.Literal($"robyn-gateway:{Database}:websockets");

    /// <summary>
    /// Never gives up: the first connect may fail (Redis not up yet) and any connection may drop;
    /// the client retries every second. Commands fail at once while apart (no backlog), since a
    /// broadcast replayed minutes later would be worse than one lost.
    /// </summary>
    public ConfigurationOptions Configuration(string clientName)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            ConnectRetry = 1,
            ReconnectRetryPolicy = new LinearRetry(1000),
            BacklogPolicy = BacklogPolicy.FailFast,
            ClientName = clientName,
            User = User,
            Password = Password,
            Ssl = Tls,
            DefaultDatabase = Database,
        };
        options.EndPoints.Add(Host, Port);
        return options;
    }

    /// <summary>For logs and /ready: without the password.</summary>
    public override string ToString() =>
        $"{(Tls ? "rediss" : "redis")}://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}/{Database}";

    static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
