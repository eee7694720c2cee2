using System.Net;
using Duende.IdentityModel.Client;
using Xunit;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// /oauth/authorize and the authorization_code grant over HTTP (a cookie-keeping HttpClient for the pages,
/// Duende.IdentityModel for the token endpoint): PKCE, one-time codes, bindings, and the error rules of RFC 6749 4.1.2.1.
/// </summary>
public sealed class AuthorizationCodeFlowTests(TestHostFixture fixture) : IClassFixture<TestHostFixture>
{
    private TestHost Host => fixture.Host;

    // ---- the happy paths ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task AuthorizationCode_flow_must_issue_tokens_to_a_public_client_with_pkce()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        var result = await browser.Authorize(client, user, pkce, scope: "read");

        Assert.True(result.ConsentShown);
        Assert.Null(result.Error);
        Assert.StartsWith(TestHost.RedirectUri + "?", result.Location, StringComparison.Ordinal);
        Assert.Equal("xyz-state", result.State);
        Assert.Equal(Host.Issuer, result.Issuer);

        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);
        Assert.Equal("read", tokens.Scope);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
        Assert.True(tokens.HttpResponse!.Headers.CacheControl?.NoStore == true);
        Assert.True(await Host.IsActive(tokens.AccessToken!));
        Assert.Equal(user.UserId, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).Subject);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_issue_tokens_to_a_confidential_client_with_client_secret_basic_and_pkce()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);
        Assert.NotNull(client.ClientSecret);
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        var result = await browser.Authorize(client, user, pkce);
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);

        Assert.False(tokens.IsError, tokens.Raw);
        Assert.Equal("read write", tokens.Scope);
        Assert.True(await Host.IsActive(tokens.AccessToken!));
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_confidential_client_with_a_wrong_secret()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true);
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);

        using var tokens = await Host.ExchangeCode(client with { ClientSecret = "wrong-secret-0123456789abcdefghijklmnopqrstuv" }, result.Code!, pkce.Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_omit_redirect_uri_when_the_client_has_exactly_one()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);
        var pkce = Pkce.New();
        var query = $"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=s1&code_challenge={pkce.Challenge}&code_challenge_method=S256";

        var result = await browser.Authorize(client, user, pkce, query: query);
        Assert.StartsWith(TestHost.RedirectUri + "?", result.Location, StringComparison.Ordinal);

        // Not sent in the request, so it need not be sent at the token endpoint either (RFC 6749 4.1.3).
        using var tokens = await Host.Client.PostAsync("/oauth/token", TestHost.Form(
            ("grant_type", "authorization_code"),
            ("client_id", client.ClientId),
            ("code", result.Code!),
            ("code_verifier", pkce.Verifier)));
        var body = await tokens.Content.ReadAsStringAsync();
        Assert.True(tokens.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("\"access_token\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_require_redirect_uri_when_the_client_has_several()
    {
        var client = await Host.RegisterCodeClient(redirectUris: ["https://client.example/a", "https://client.example/b"]);
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=s1&code_challenge={pkce.Challenge}&code_challenge_method=S256");

        await AssertErrorPage(response);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_keep_a_query_already_in_the_redirect_uri()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(redirectUris: ["https://client.example/cb?tenant=a%20b"]);
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        var result = await browser.Authorize(client, user, pkce, scope: "read");

        Assert.StartsWith("https://client.example/cb?tenant=a%20b&", result.Location, StringComparison.Ordinal);
        Assert.NotNull(result.Code);
        using var tokens = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_return_state_untouched()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        const string state = "a b&c=d/é?#%";

        var result = await browser.Authorize(client, user, Pkce.New(), state: state);

        Assert.Equal(state, result.State);
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_omit_state_when_none_was_sent()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        var result = await browser.Authorize(client, user, Pkce.New(), state: null);

        Assert.DoesNotContain("state=", result.Location, StringComparison.Ordinal);
        Assert.Equal(Host.Issuer, result.Issuer);
    }

    // ---- consent ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Consent_must_be_remembered_for_the_same_or_fewer_scopes_and_asked_again_for_more()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(scope: "read write profile");
        using var browser = Host.NewBrowser();

        var first = await browser.Authorize(client, user, Pkce.New(), scope: "read write");
        Assert.True(first.ConsentShown);

        var same = await browser.Authorize(client, user, Pkce.New(), scope: "write read");
        Assert.False(same.ConsentShown, "The same scope set must not ask again.");
        Assert.NotNull(same.Code);

        var fewer = await browser.Authorize(client, user, Pkce.New(), scope: "read");
        Assert.False(fewer.ConsentShown, "Fewer scopes must not ask again.");
        Assert.NotNull(fewer.Code);

        var more = await browser.Authorize(client, user, Pkce.New(), scope: "read profile");
        Assert.True(more.ConsentShown, "A scope not consented to must ask again.");
        Assert.NotNull(more.Code);
    }

    [Fact]
    public async Task Consent_must_be_remembered_per_user()
    {
        var alice = await Host.CreateUser();
        var bob = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using (var browser = Host.NewBrowser())
        {
            Assert.True((await browser.Authorize(client, alice, Pkce.New())).ConsentShown);
        }

        using var other = Host.NewBrowser();
        Assert.True((await other.Authorize(client, bob, Pkce.New())).ConsentShown, "Another user's consent must not count.");
    }

    [Fact]
    public async Task Consent_page_must_show_the_client_name_and_scopes_html_encoded_with_csrf_and_anti_framing()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(name: "<script>alert(1)</script> & Co");
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);

        using var page = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), scope: "read write"));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        FlowAssert.PageHeaders(page);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co", html, StringComparison.Ordinal);
        Assert.Contains("<code>read</code>", html, StringComparison.Ordinal);
        Assert.Contains("<code>write</code>", html, StringComparison.Ordinal);
        Assert.Contains("name=\"decision\" value=\"allow\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"decision\" value=\"deny\"", html, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(TestBrowser.Csrf(html)));
    }

    [Fact]
    public async Task Consent_post_must_be_refused_without_the_csrf_token()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);
        using var page = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New()));
        var html = await page.Content.ReadAsStringAsync();

        using var posted = await browser.PostConsent(html, "allow", fields => fields.Where(f => f.Key != "__csrf").ToList());

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Null(posted.Headers.Location);
        FlowAssert.PageHeaders(posted);
    }

    [Fact]
    public async Task Consent_post_must_be_refused_without_a_session()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);
        using var page = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New()));
        var html = await page.Content.ReadAsStringAsync();

        // Another browser (no session, no CSRF cookie) posts the same form: no code is issued.
        using var stranger = Host.NewBrowser();
        using var posted = await stranger.PostConsent(html, "allow");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Null(posted.Headers.Location);
    }

    [Fact]
    public async Task Consent_post_with_an_unknown_decision_must_redirect_invalid_request()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        await browser.SignIn(user);
        using var page = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "dec"));
        var html = await page.Content.ReadAsStringAsync();

        using var posted = await browser.PostConsent(html, "maybe");

        var location = TestBrowser.Location(posted);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var response = new AuthorizeResponse(location!);
        Assert.Equal("invalid_request", response.Error);
        Assert.Equal("dec", response.State);
        Assert.Null(response.Code);
    }

    // ---- code exchange --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task AuthorizationCode_used_twice_must_fail_and_revoke_the_tokens_of_the_first_exchange()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);
        using var first = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(first.IsError, first.Raw);
        Assert.True(await Host.IsActive(first.AccessToken!));

        using var second = await Host.ExchangeCode(client, result.Code!, pkce.Verifier);

        OAuthAssert.Error(second, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await Host.IsActive(first.AccessToken!), "RFC 6749 4.1.2: a replayed code revokes the tokens issued from it.");
        using var refresh = await Host.Refresh(client, first.RefreshToken!);
        OAuthAssert.Error(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        var expired = await Host.WaitForEventsOfType("authorization_code_expired", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal("replayed", FlowAssert.Meta(expired[0], "reason"));
    }

    [Fact]
    public async Task AuthorizationCode_redeemed_in_parallel_must_succeed_exactly_once()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Host.ExchangeCode(client, result.Code!, pkce.Verifier))));
        try
        {
            var won = attempts.Where(a => !a.IsError).ToArray();
            Assert.Single(won);
            foreach (var lost in attempts.Where(a => a.IsError))
            {
                OAuthAssert.Error(lost, HttpStatusCode.BadRequest, "invalid_grant");
            }

            // The replays revoke what the code granted: the winner's access token too.
            Assert.False(await Host.IsActive(won[0].AccessToken!), "A replayed code must revoke the access token issued from it.");
        }
        finally
        {
            foreach (var a in attempts)
            {
                a.Dispose();
            }
        }
    }

    [Fact]
    public async Task AuthorizationCode_redeemed_in_parallel_must_leave_no_usable_refresh_token()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Host.ExchangeCode(client, result.Code!, pkce.Verifier))));
        try
        {
            var won = Assert.Single(attempts, a => !a.IsError);

            // RFC 6749 4.1.2: the replays revoke the grant, whichever finished first.
            using var refresh = await Host.Refresh(client, won.RefreshToken!);
            OAuthAssert.Error(refresh, HttpStatusCode.BadRequest, "invalid_grant");
        }
        finally
        {
            foreach (var a in attempts)
            {
                a.Dispose();
            }
        }
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_wrong_code_verifier()
    {
        var (client, code, _) = await CodeFor();

        using var tokens = await Host.ExchangeCode(client, code, Pkce.New().Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_missing_code_verifier()
    {
        var (client, code, _) = await CodeFor();

        using var tokens = await Host.ExchangeCode(client, code, codeVerifier: null);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_the_challenge_itself_as_verifier()
    {
        var (client, code, pkce) = await CodeFor();

        using var tokens = await Host.ExchangeCode(client, code, pkce.Challenge);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_different_redirect_uri()
    {
        var (client, code, pkce) = await CodeFor(redirectUris: [TestHost.RedirectUri, "https://client.example/other"]);

        using var tokens = await Host.ExchangeCode(client, code, pkce.Verifier, redirectUri: "https://client.example/other");

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_another_client()
    {
        var (client, code, pkce) = await CodeFor();
        var other = await Host.RegisterCodeClient();

        using var tokens = await Host.ExchangeCode(other, code, pkce.Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_binding_failures_must_not_consume_the_code()
    {
        var (client, code, pkce) = await CodeFor();
        var other = await Host.RegisterCodeClient();
        using (var wrong = await Host.ExchangeCode(other, code, pkce.Verifier))
        {
            Assert.True(wrong.IsError);
        }

        using (var wrongVerifier = await Host.ExchangeCode(client, code, Pkce.New().Verifier))
        {
            Assert.True(wrongVerifier.IsError);
        }

        using var tokens = await Host.ExchangeCode(client, code, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_an_unknown_code()
    {
        var client = await Host.RegisterCodeClient();

        using var tokens = await Host.ExchangeCode(client, "not-a-code-0123456789abcdefghijklmnopqrstuvwx", Pkce.New().Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_exchange_must_refuse_a_client_without_the_grant()
    {
        var (_, code, pkce) = await CodeFor();
        var service = await Host.Register("read", name: "Flow service client");

        using var tokens = await Host.ExchangeCode(service with { RedirectUri = TestHost.RedirectUri }, code, pkce.Verifier);

        OAuthAssert.Error(tokens, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task AuthorizationCode_flow_must_emit_code_created_validated_and_token_created_events()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var tokens = await Host.TokensFor(client, user);

        var created = await Host.WaitForEventsOfType("authorization_code_created", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal(user.UserId, FlowAssert.Str(created[0], "user_id"));
        Assert.Equal("S256", FlowAssert.Meta(created[0], "code_challenge_method"));
        var validated = await Host.WaitForEventsOfType("authorization_code_validated", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal(user.UserId, FlowAssert.Str(validated[0], "user_id"));
        var token = await Host.WaitForEventsOfType("token_created", e => FlowAssert.Str(e, "client_id") == client.ClientId);
        Assert.Equal("authorization_code", FlowAssert.Meta(token[0], "grant_type"));
        Assert.Equal(user.UserId, FlowAssert.Str(token[0], "user_id"));
        var authenticated = await Host.WaitForEventsOfType("user_authenticated", e => FlowAssert.Str(e, "user_id") == user.UserId);
        Assert.Equal("password_form", FlowAssert.Meta(authenticated[0], "method"));

        // The code itself never appears in an event.
        var json = await Host.EventsJson();
        Assert.DoesNotContain(tokens.AccessToken!, json, StringComparison.Ordinal);
        Assert.DoesNotContain(tokens.RefreshToken!, json, StringComparison.Ordinal);
    }

    // ---- PKCE rules at /oauth/authorize ---------------------------------------------------------------------------------

    [Fact]
    public async Task Authorize_must_refuse_plain_pkce_with_a_redirect()
    {
        var client = await Host.RegisterCodeClient();
        var verifier = Pkce.New().Verifier;
        using var browser = Host.NewBrowser();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}&state=p1&code_challenge={verifier}&code_challenge_method=plain");

        AssertErrorRedirect(response, "invalid_request", "p1");
    }

    [Fact]
    public async Task Authorize_must_refuse_a_challenge_without_method_because_it_means_plain()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=p2&code_challenge={Pkce.New().Challenge}");

        AssertErrorRedirect(response, "invalid_request", "p2");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Authorize_must_require_pkce_by_default(bool confidential)
    {
        var client = await Host.RegisterCodeClient(confidential: confidential);
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, pkce: null, state: "nopkce"));

        AssertErrorRedirect(response, "invalid_request", "nopkce");
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789012345678901234567890123456789012+")]
    [InlineData("012345678901234567890123456789012345678901234")]
    public async Task Authorize_must_refuse_a_malformed_s256_challenge(string challenge)
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&client_id={client.ClientId}&state=bad&code_challenge={Uri.EscapeDataString(challenge)}&code_challenge_method=S256");

        AssertErrorRedirect(response, "invalid_request", "bad");
    }

    // ---- errors about the client or redirect URI: a page, never a redirect -----------------------------------------------

    [Fact]
    public async Task Authorize_must_show_an_error_page_for_an_unknown_client()
    {
        using var browser = Host.NewBrowser();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&client_id=no-such-client&redirect_uri={Uri.EscapeDataString(TestHost.RedirectUri)}&state=s&code_challenge={Pkce.New().Challenge}&code_challenge_method=S256");

        await AssertErrorPage(response);
    }

    [Fact]
    public async Task Authorize_must_show_an_error_page_without_client_id()
    {
        using var browser = Host.NewBrowser();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&redirect_uri={Uri.EscapeDataString(TestHost.RedirectUri)}");

        await AssertErrorPage(response);
    }

    [Theory]
    [InlineData("https://evil.example/callback")]
    [InlineData("https://client.example/callback/")]
    [InlineData("https://client.example/callback?x=1")]
    [InlineData("https://CLIENT.example/callback")]
    [InlineData("not a uri")]
    public async Task Authorize_must_show_an_error_page_for_an_unregistered_redirect_uri(string redirectUri)
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), redirectUri: redirectUri));

        await AssertErrorPage(response);
    }

    [Fact]
    public async Task Authorize_must_show_an_error_page_for_a_repeated_redirect_uri()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New()) + "&redirect_uri=" + Uri.EscapeDataString(client.RedirectUri));

        await AssertErrorPage(response);
    }

    [Fact]
    public async Task Authorize_must_show_the_error_page_before_asking_to_sign_in()
    {
        // Signed out, unknown client: no detour through the login page.
        using var browser = Host.NewBrowser();

        using var response = await browser.Get($"/oauth/authorize?response_type=code&client_id=unknown-{Guid.NewGuid():N}&code_challenge={Pkce.New().Challenge}&code_challenge_method=S256");

        await AssertErrorPage(response);
    }

    // ---- other errors: redirected to the client with state and iss ---------------------------------------------------------

    [Theory]
    [InlineData("token", "unsupported_response_type")]
    [InlineData("code token", "unsupported_response_type")]
    [InlineData("id_token", "unsupported_response_type")]
    public async Task Authorize_must_redirect_unsupported_response_type(string responseType, string error)
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "rt", responseType: responseType));

        AssertErrorRedirect(response, error, "rt");
    }

    [Fact]
    public async Task Authorize_must_redirect_invalid_request_without_response_type()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();

        using var response = await browser.Get($"/oauth/authorize?client_id={client.ClientId}&state=nort&code_challenge={pkce.Challenge}&code_challenge_method=S256");

        AssertErrorRedirect(response, "invalid_request", "nort");
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("read delete")]
    [InlineData("read\u0001")]
    public async Task Authorize_must_redirect_invalid_scope_for_a_scope_outside_the_client(string scope)
    {
        var client = await Host.RegisterCodeClient(scope: "read write");
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), scope: scope, state: "sc"));

        AssertErrorRedirect(response, "invalid_scope", "sc");
    }

    [Fact]
    public async Task Authorize_must_redirect_unauthorized_client_for_a_client_without_the_code_grant()
    {
        // A client with a redirect URI, registered for client_credentials but not for authorization_code.
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["client_credentials"]);
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "uc"));

        AssertErrorRedirect(response, "unauthorized_client", "uc");
    }

    [Fact]
    public async Task Authorize_must_redirect_invalid_request_for_a_repeated_parameter()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "rep") + "&scope=read&scope=write");

        AssertErrorRedirect(response, "invalid_request", "rep");
    }

    [Fact]
    public async Task Authorize_must_send_a_signed_out_user_to_the_login_page_with_a_local_return_url()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        var query = TestBrowser.AuthorizeQuery(client, Pkce.New(), state: "login");

        using var response = await browser.Get(query);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = TestBrowser.Location(response)!;
        Assert.StartsWith("/auth/login?returnUrl=", location, StringComparison.Ordinal);
        var returnUrl = TestBrowser.QueryValue(location, "returnUrl")!;
        Assert.StartsWith("/oauth/authorize?", returnUrl, StringComparison.Ordinal);
        Assert.Equal(client.ClientId, TestBrowser.QueryValue(returnUrl, "client_id"));
        Assert.Equal("login", TestBrowser.QueryValue(returnUrl, "state"));
    }

    // ---- headers ----------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Pages_must_forbid_framing_and_caching()
    {
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();

        using (var login = await browser.Get("/auth/login"))
        {
            FlowAssert.PageHeaders(login);
        }

        using (var logout = await browser.Get("/auth/logout"))
        {
            FlowAssert.PageHeaders(logout);
        }

        using (var error = await browser.Get("/oauth/authorize?client_id=nobody"))
        {
            FlowAssert.PageHeaders(error);
        }

        using var redirect = await browser.Get(TestBrowser.AuthorizeQuery(client, pkce: null, state: "h"));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.True(redirect.Headers.CacheControl?.NoStore == true, "The redirect carrying an error or code must not be cached.");
    }

    [Fact]
    public async Task Code_redirect_must_not_be_cached()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient();
        using var browser = Host.NewBrowser();
        await browser.Authorize(client, user, Pkce.New());

        using var response = await browser.Get(TestBrowser.AuthorizeQuery(client, Pkce.New()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("code=", TestBrowser.Location(response), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore == true);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------------

    private async Task<(RegisteredClient Client, string Code, Pkce Pkce)> CodeFor(string[]? redirectUris = null)
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(redirectUris: redirectUris);
        using var browser = Host.NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);
        Assert.NotNull(result.Code);
        return (client, result.Code!, pkce);
    }

    private void AssertErrorRedirect(HttpResponseMessage response, string error, string state)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = TestBrowser.Location(response)!;
        Assert.StartsWith("https://client.example/", location, StringComparison.Ordinal);
        var parsed = new AuthorizeResponse(location);
        Assert.Equal(error, parsed.Error);
        Assert.Equal(state, parsed.State);
        Assert.Equal(Host.Issuer, parsed.Issuer);
        Assert.Null(parsed.Code);
        Assert.False(string.IsNullOrEmpty(parsed.ErrorDescription));
    }

    private static async Task AssertErrorPage(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected a 400 error page, got {(int)response.StatusCode} {response.Headers.Location}: {html}");
        Assert.Null(response.Headers.Location);
        FlowAssert.PageHeaders(response);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
    }
}
