using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OAuth2.Actors.Configuration;

/// <summary>
/// The issuer URI as configured: OAUTH2_ISSUER, else <c>http://{OAUTH2_SERVER_HOST}:{OAUTH2_SERVER_PORT}</c>
/// (localhost when bound to every interface). One rule for the host's options and for the event sinks, which read
/// it from configuration as the CloudEvents <c>source</c>.
/// </summary>
public static class IssuerSetting
{
    public const string IssuerKey = "OAUTH2_ISSUER";
    public const string HostKey = "OAUTH2_SERVER_HOST";
    public const string PortKey = "OAUTH2_SERVER_PORT";
    public const string DefaultHost = "127.0.0.1";
    public const int DefaultPort = 8080;

    /// <summary>The issuer, without a trailing slash.</summary>
    public static string Effective(string? issuer, string? host, int port)
    {
        if (!string.IsNullOrWhiteSpace(issuer))
        {
            return issuer.Trim().TrimEnd('/');
        }

        host = string.IsNullOrWhiteSpace(host) ? DefaultHost : host.Trim();
        host = host is "0.0.0.0" or "::" or "*" or "+" ? "localhost" : host;
        return $"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The issuer <paramref name="configuration"/> gives (the host refuses to start when it is not an absolute http(s) URL).</summary>
    public static string FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var port = int.TryParse(configuration[PortKey], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : DefaultPort;
        return Effective(configuration[IssuerKey], configuration[HostKey], port);
    }

    /// <summary>The issuer as a URI: the <c>source</c> of the CloudEvents the sinks write. Null, with the problem, when it is not absolute.</summary>
    public static (Uri? Source, string? Problem) SourceFromConfiguration(IConfiguration configuration)
    {
        var issuer = FromConfiguration(configuration);
        return Uri.TryCreate(issuer, UriKind.Absolute, out var source)
            ? (source, null)
            : (null, $"{IssuerKey} '{issuer}' is not an absolute URL (the CloudEvents source of the event sinks)");
    }
}
