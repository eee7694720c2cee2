using Xunit.Abstractions;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The authorization-code flow in a real browser: headless Chromium driven by Playwright (tests/browser/flow.mjs)
/// against the real server on a Kestrel socket. The script signs in, answers the consent page, and reports the
/// redirect to the client; the test exchanges the code with PKCE through Duende.IdentityModel.
/// Needs node, tests/browser/node_modules (npm ci) and Chromium (.ci/services/browser.sh installs both): skipped
/// without them, except under CI=true where that is a failure.
/// </summary>
public sealed class BrowserFlowTests(Fixtures.FlowKestrelFixture fixture, ITestOutputHelper output) : HostTests<Fixtures.FlowKestrelFixture>(fixture)
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(180);

    [SkippableFact]
    public async Task Browser_flow_must_sign_in_show_consent_and_return_a_code_that_exchanges_with_pkce()
    {
        var (user, client) = await UserAndClient("browser", "Browser Test App");
        var pkce = Pkce.New();
        var state = "state-" + Guid.NewGuid().ToString("N");

        var run = await RunFlow(client, user, pkce, state, "allow");

        Assert.True(run.LoginShown, "A fresh browser must be sent to the login page first.");
        Assert.True(run.ConsentShown, "The first authorization for a user and client must show the consent page.");
        Assert.Contains("Browser Test App", run.ConsentText, StringComparison.Ordinal);
        Assert.Contains("read", run.ConsentText, StringComparison.Ordinal);
        Assert.Contains("write", run.ConsentText, StringComparison.Ordinal);
        Assert.Contains(new Uri(TestHost.RedirectUri).Host, run.ConsentText, StringComparison.Ordinal);
        var response = new AuthorizeResponse(run.FinalUrl);
        Assert.StartsWith(TestHost.RedirectUri + "?", run.FinalUrl, StringComparison.Ordinal);
        Assert.False(response.IsError, run.FinalUrl);
        Assert.Equal(state, response.State);
        Assert.Equal(Host.Issuer, response.Issuer);
        Assert.False(string.IsNullOrEmpty(response.Code));

        using var tokens = await Host.ExchangeCode(client, response.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, $"{tokens.Error} {tokens.Raw}");
        Assert.Equal("Bearer", tokens.TokenType);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
        Assert.Equal("read write", tokens.Scope);
        Assert.True(await Host.IsActive(tokens.AccessToken!));
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken);
        Assert.Equal(user.UserId, jwt.Subject);
        Assert.Equal(Host.Issuer, jwt.Issuer);
    }

    [SkippableFact]
    public async Task Browser_flow_must_not_show_the_consent_page_again_for_the_same_user_client_and_scopes()
    {
        var (user, client) = await UserAndClient("browser", "Browser Second Run App");

        var first = await RunFlow(client, user, Pkce.New(), "first", "allow");
        Assert.True(first.ConsentShown, "The first run must show the consent page.");

        // A new browser (fresh profile, no cookies): it signs in again, but the consent is remembered by the server.
        var pkce = Pkce.New();
        var second = await RunFlow(client, user, pkce, "second", "allow");

        Assert.True(second.LoginShown, "A new browser has no session and must sign in again.");
        Assert.False(second.ConsentShown, "Consent is remembered per user, client and scope set: no consent page the second time.");
        var response = new AuthorizeResponse(second.FinalUrl);
        Assert.False(response.IsError, second.FinalUrl);
        Assert.Equal("second", response.State);
        Assert.Equal(Host.Issuer, response.Issuer);
        using var tokens = await Host.ExchangeCode(client, response.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, $"{tokens.Error} {tokens.Raw}");
    }

    [SkippableFact]
    public async Task Browser_flow_must_return_access_denied_with_state_and_iss_when_the_user_denies()
    {
        var (user, client) = await UserAndClient("denier", "Browser Denied App");

        var run = await RunFlow(client, user, Pkce.New(), "deny-state", "deny");

        Assert.True(run.ConsentShown);
        var response = new AuthorizeResponse(run.FinalUrl);
        Assert.StartsWith(TestHost.RedirectUri + "?", run.FinalUrl, StringComparison.Ordinal);
        Assert.Equal("access_denied", response.Error);
        Assert.Equal("deny-state", response.State);
        Assert.Equal(Host.Issuer, response.Issuer);
        Assert.Null(response.Code);

        // Denying records no consent: the next request asks again.
        var again = await RunFlow(client, user, Pkce.New(), "after-deny", "allow");
        Assert.True(again.ConsentShown, "A denied request must not be remembered as consent.");
    }

    private Task<BrowserFlowRun> RunFlow(RegisteredClient client, TestUser user, Pkce pkce, string state, string decision) =>
        BrowserFlowScript.Run(
            Host.Issuer,
            Host.Issuer + TestBrowser.AuthorizeQuery(client, pkce, scope: "read write", state: state),
            client.RedirectUri,
            user,
            decision,
            output,
            () => Host.HostLog());

    /// <summary>Skips the test without a browser; otherwise a new user and a new code client for one flow.</summary>
    private async Task<(TestUser User, RegisteredClient Client)> UserAndClient(string usernamePrefix, string clientName)
    {
        BrowserFlowScript.Require();
        var user = await Host.CreateUser(TestHost.NewUsername(usernamePrefix));
        return (user, await Host.RegisterCodeClient(name: clientName));
    }
}
