using Microsoft.Extensions.Configuration;
using OAuth2.Actors.Server.Configuration;

namespace OAuth2.Actors.Server.Tests;

/// <summary>Settings as the host binds them (environment-style keys), and what the start-up validation says of them.</summary>
internal static class OptionsBinding
{
    public static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    public static OAuth2Options Bind(params (string Key, string Value)[] values) => Configuration(values).Get<OAuth2Options>() ?? new OAuth2Options();

    /// <summary>The messages OAuth2OptionsValidator stops the server with (none when it starts).</summary>
    public static IReadOnlyList<string> Failures(OAuth2Options options) =>
        new OAuth2OptionsValidator().Validate(null, options) is { Failed: true } result ? result.Failures.ToList() : [];
}
