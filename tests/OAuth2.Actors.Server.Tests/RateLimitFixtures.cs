namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Servers with small rate limits (the test host turns them off). In memory every request comes from one (unknown)
/// address, so each fixture turns on only limits its tests cannot exhaust for one another.
/// </summary>
public static class RateLimitFixtures
{
    public const int SignIns = 3;
    public const int Registrations = 2;
    public const int Ingests = 3;
    public const int ClientAuthFailures = 3;

    /// <summary>The sign-in form, open registration and ingest: three limits, three buckets.</summary>
    public sealed class FormRegistrationIngest() : TestHostFixture(
        ("OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE", "3"), ("OAUTH2_RATE_LIMIT_REGISTRATIONS_PER_MINUTE", "2"), ("OAUTH2_RATE_LIMIT_INGEST_PER_MINUTE", "3"));

    public sealed class PasswordGrant() : TestHostFixture(("OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE", "3"), ("OAUTH2_ALLOW_PASSWORD_GRANT", "true"));

    public sealed class ClientAuthFailure() : TestHostFixture(("OAUTH2_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_MINUTE", "3"));

    public sealed class ClientAuthSuccess() : TestHostFixture(("OAUTH2_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_MINUTE", "3"));
}
