namespace OAuth2.Actors.Events.Webhooks;

/// <summary>What an endpoint URL must be: absolute, https (or http when OAUTH2_WEBHOOKS_ALLOW_HTTP is on), no user-info, no fragment.</summary>
public static class WebhookUrl
{
    public const int MaxLength = 2048;

    /// <summary>The problem with <paramref name="url"/> (a sentence for the admin API or the start-up error), or null when it is valid.</summary>
    public static string? Validate(string? url, bool allowHttp)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "The URL is required.";
        }

        if (url.Length > MaxLength)
        {
            return $"The URL is longer than {MaxLength} characters.";
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
        {
            return "The URL must be absolute (https://host/path).";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !allowHttp)
        {
            return "The URL must use https (plain http only with OAUTH2_WEBHOOKS_ALLOW_HTTP=true).";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return allowHttp ? "The URL must use https or http." : "The URL must use https.";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return "The URL has no host.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The URL must not carry user-info (user:password@); the signature authenticates deliveries.";
        }

        if (url.Contains('#', StringComparison.Ordinal))
        {
            return "The URL must not have a fragment (#...).";
        }

        return null;
    }
}
