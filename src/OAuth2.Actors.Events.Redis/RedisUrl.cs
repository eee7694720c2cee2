using System.Globalization;
using StackExchange.Redis;

namespace OAuth2.Actors.Events.Redis;

/// <summary>Parses <c>redis://</c> and <c>rediss://</c> URLs into StackExchange.Redis configuration.</summary>
public static class RedisUrl
{
    public const int DefaultPort = 6379;

    public static bool TryParse(string? url, out ConfigurationOptions configuration, out string? problem)
    {
        configuration = new ConfigurationOptions();
        if (!BrokerUrl.TryParse(url, RedisEventSinkOptions.UrlKey, "redis://[:password@]host[:port][/db]", ["redis", "rediss"], loneUserInfoIsSecret: true, out var uri, out problem))
        {
            return false;
        }

        var tls = uri.Scheme == "rediss";
        var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        if (port is < 1 or > 65535)
        {
            problem = $"{RedisEventSinkOptions.UrlKey} has an invalid port: '{Redact(url)}'";
            return false;
        }

        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 10_000))
        {
            problem = $"{RedisEventSinkOptions.UrlKey}: the path must be a database number (/0, /1, ...), not '/{path}'";
            return false;
        }

        string? user = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // redis://secret@host: the single userinfo part is the password (as redis-cli -u reads it).
                password = Uri.UnescapeDataString(uri.UserInfo);
            }
            else
            {
                user = Uri.UnescapeDataString(uri.UserInfo[..colon]);
                password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        configuration.EndPoints.Add(host, port);
        configuration.User = string.IsNullOrEmpty(user) ? null : user;
        configuration.Password = string.IsNullOrEmpty(password) ? null : password;
        configuration.DefaultDatabase = database;
        configuration.Ssl = tls;
        if (tls)
        {
            configuration.SslHost = host;
        }

        return true;
    }

    /// <summary>The URL with its password (and any user info) replaced by <c>***</c>.</summary>
    public static string Redact(string? url) => BrokerUrl.Redact(url, loneUserInfoIsSecret: true);
}
