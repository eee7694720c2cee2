namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_RESERVED_SCOPES and the session lifetimes: bound, defaulted and refused at start when they cannot work.</summary>
public sealed class UserSessionOptionsTests
{
    private static IReadOnlyList<string> Failures(params (string Key, string Value)[] values) => OptionsBinding.Failures(OptionsBinding.Bind(values));

    [Fact]
    public void Defaults_must_be_an_8_hour_session_with_a_1_hour_idle_timeout_and_the_built_in_reserved_scopes()
    {
        var options = OptionsBinding.Bind();

        Assert.Equal(8 * 3600, options.SessionAbsoluteLifetimeSeconds);
        Assert.Equal(3600, options.SessionIdleTimeoutSeconds);
        Assert.Equal(["admin", "events:ingest", "events:read", "metrics:read"], options.ToSettings().ReservedScopes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Reserved_scopes_must_add_to_the_built_in_ones_separated_by_spaces_or_commas()
    {
        var settings = OptionsBinding.Bind(("OAUTH2_RESERVED_SCOPES", "payments:approve, billing:admin write:all")).ToSettings();

        Assert.Equal(["admin", "billing:admin", "events:ingest", "events:read", "metrics:read", "payments:approve", "write:all"], settings.ReservedScopes.Order(StringComparer.Ordinal));
        Assert.Empty(Failures(("OAUTH2_RESERVED_SCOPES", "payments:approve, billing:admin write:all")));
    }

    [Theory]
    [InlineData("bad\"scope")]
    [InlineData("back\\slash")]
    public void Reserved_scopes_must_refuse_a_scope_outside_the_scope_syntax(string value)
    {
        var failure = Assert.Single(Failures(("OAUTH2_RESERVED_SCOPES", value)));

        Assert.Contains("OAUTH2_RESERVED_SCOPES", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Idle_timeout_longer_than_the_absolute_lifetime_must_be_refused()
    {
        var failure = Assert.Single(Failures(("OAUTH2_SESSION_ABSOLUTE_LIFETIME_SECONDS", "600"), ("OAUTH2_SESSION_IDLE_TIMEOUT_SECONDS", "900")));

        Assert.Contains("OAUTH2_SESSION_IDLE_TIMEOUT_SECONDS", failure, StringComparison.Ordinal);
        Assert.Empty(Failures(("OAUTH2_SESSION_ABSOLUTE_LIFETIME_SECONDS", "600"), ("OAUTH2_SESSION_IDLE_TIMEOUT_SECONDS", "600")));
    }

    [Theory]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://auth.internal.example", false)]
    [InlineData("https://localhost", false)]
    public void Only_an_http_issuer_on_loopback_must_count_as_loopback_http(string issuer, bool loopbackHttp)
    {
        Assert.Equal(loopbackHttp, OptionsBinding.Bind(("OAUTH2_ISSUER", issuer)).IssuesOverLoopbackHttp);
    }
}
