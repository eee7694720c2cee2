namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The servers of the test classes that need other than the default settings: each nested class is one fixture (one
/// server per test class that uses it).
/// </summary>
public static class Fixtures
{
    /// <summary>Registration as it is by default (closed), with an initial access token (RFC 7591 3).</summary>
    public sealed class InitialAccessTokenServerFixture() : TestHostFixture(("OAUTH2_REGISTRATION_INITIAL_ACCESS_TOKEN", InitialAccessToken), ("OAUTH2_REGISTRATION_OPEN", null))
    {
        public const string InitialAccessToken = "initial-access-token-0123456789-abcdefghijklmnop";
    }

    /// <summary>Access tokens live 600 seconds instead of the default hour.</summary>
    public sealed class ShortTokenLifetimeServerFixture() : TestHostFixture(("OAUTH2_ACCESS_TOKEN_TTL", "600"))
    {
        public const int AccessTokenTtlSeconds = 600;
    }

    /// <summary>OAUTH2_EVENTS_ENABLED=false.</summary>
    public sealed class EventsDisabledServerFixture() : TestHostFixture(("OAUTH2_EVENTS_ENABLED", "false"));

    /// <summary>Only token_created passes the filter; events go to the console and the in-memory store.</summary>
    public sealed class EventsFilteredServerFixture() : TestHostFixture(
        ("OAUTH2_EVENTS_FILTER_MODE", "include"),
        ("OAUTH2_EVENTS_TYPES", "token_created"),
        ("OAUTH2_EVENTS_BACKEND", "console,in_memory"));

    /// <summary>Access tokens live 10 seconds (the smallest allowed), for token_expired.</summary>
    public sealed class EventsShortTokenLifetimeServerFixture() : TestHostFixture(("OAUTH2_ACCESS_TOKEN_TTL", "10"));

    /// <summary>Sign-ins back off after 3 wrong passwords: 5 s, then 10 s at most.</summary>
    public sealed class FlowBackoffFixture() : TestHostFixture(
        ("OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES", "3"), ("OAUTH2_SIGNIN_BACKOFF_SECONDS", "5"), ("OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS", "10"))
    {
        public const int FreeFailures = 3;
        public static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(5);
    }

    /// <summary>Sign-ins back off after 2 wrong passwords, for 5 minutes: only an unlock lets the user in within a test.</summary>
    public sealed class UserUnlockFixture() : TestHostFixture(
        ("OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES", "2"), ("OAUTH2_SIGNIN_BACKOFF_SECONDS", "300"), ("OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS", "600"))
    {
        public const int FreeFailures = 2;

        /// <summary>The wrong passwords that make <paramref name="user"/>'s next sign-in wait, and proof that it waits.</summary>
        public static async Task BackOff(TestHost host, TestUser user)
        {
            using var browser = host.NewBrowser();
            for (var i = 0; i < FreeFailures; i++)
            {
                using var wrong = await browser.Login(user.Username, $"wrong password {i}");
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            using var right = await browser.Login(user.Username, user.Password);
            Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        }

        /// <summary>Whether <paramref name="user"/>'s right password signs in now.</summary>
        public static async Task<bool> SignsIn(TestHost host, TestUser user)
        {
            using var browser = host.NewBrowser();
            using var login = await browser.Login(user.Username, user.Password);
            return login.StatusCode == HttpStatusCode.Redirect;
        }
    }

    public sealed class FlowOptionalPkceFixture() : TestHostFixture(("OAUTH2_REQUIRE_PKCE", "false"));

    public sealed class FlowReuseLeewayFixture() : TestHostFixture(("OAUTH2_REFRESH_TOKEN_REUSE_LEEWAY", "30"));

    /// <summary>The password grant on; a user with 5 wrong passwords waits a minute (so the back-off test sees it).</summary>
    public sealed class FlowPasswordGrantFixture() : TestHostFixture(("OAUTH2_ALLOW_PASSWORD_GRANT", "true"), ("OAUTH2_SIGNIN_BACKOFF_SECONDS", "60"));

    /// <summary>Sign-up page and password grant on: every way a password reaches the server.</summary>
    public sealed class FlowSignUpFixture() : TestHostFixture(("OAUTH2_USER_SIGNUP", "true"), ("OAUTH2_ALLOW_PASSWORD_GRANT", "true"));

    /// <summary>Authorization codes live 5 seconds (the smallest allowed), so a test can see one expire.</summary>
    public sealed class FlowShortCodeFixture() : TestHostFixture(("OAUTH2_AUTHORIZATION_CODE_TTL", "5"))
    {
        public const int CodeTtlSeconds = 5;
    }

    /// <summary>An https issuer: the session and CSRF cookies must be Secure (the test client still talks http in memory).</summary>
    public sealed class FlowHttpsIssuerFixture() : TestHostFixture(("OAUTH2_ISSUER", "https://localhost"));

    /// <summary>The real server on a Kestrel socket (loopback), for a real browser.</summary>
    public sealed class FlowKestrelFixture : TestHostFixture
    {
        protected override bool Kestrel => true;
    }
}
