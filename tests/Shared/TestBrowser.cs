using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Duende.IdentityModel.Client;
using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>
/// A browser made of an <see cref="HttpClient"/> with a cookie container: follows the server's redirects itself,
/// reads the CSRF field from each form and posts forms back the way a browser would.
/// </summary>
public sealed partial class TestBrowser(TestHost host, HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public void Dispose() => Http.Dispose();

    public static string AuthorizeQuery(RegisteredClient client, Pkce? pkce, string? scope = null, string? state = "xyz-state", string? redirectUri = null, string responseType = "code", string? method = "S256")
    {
        var url = new RequestUrl("/oauth/authorize").CreateAuthorizeUrl(
            clientId: client.ClientId,
            responseType: responseType,
            scope: scope,
            redirectUri: redirectUri ?? client.RedirectUri,
            state: state,
            codeChallenge: pkce?.Challenge,
            codeChallengeMethod: pkce is null ? null : method);
        return url;
    }

    public Task<HttpResponseMessage> Get(string pathAndQuery) => Http.GetAsync(pathAndQuery);

    /// <summary>GET /auth/login (for the CSRF field), then POST the credentials.</summary>
    public async Task<HttpResponseMessage> Login(string username, string password, string? returnUrl = null)
    {
        using var page = await Http.GetAsync("/auth/login" + (returnUrl is null ? string.Empty : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET /auth/login answered {(int)page.StatusCode}: {html}");
        var fields = new List<KeyValuePair<string, string>>
        {
            KeyValuePair.Create("__csrf", Csrf(html)),
            KeyValuePair.Create("username", username),
            KeyValuePair.Create("password", password),
        };
        if (returnUrl is not null)
        {
            fields.Add(KeyValuePair.Create("returnUrl", returnUrl));
        }

        return await Http.PostAsync("/auth/login", new FormUrlEncodedContent(fields));
    }

    /// <summary>The login page as this browser sees it (signed in or not), and the cookies it sets.</summary>
    public async Task<string> LoginPageHtml()
    {
        using var page = await Get("/auth/login");
        return await page.Content.ReadAsStringAsync();
    }

    /// <summary>A valid CSRF token (and its cookie in this browser) from the login page.</summary>
    public async Task<string> LoginCsrf() => Csrf(await LoginPageHtml());

    public async Task SignIn(TestUser user)
    {
        using var response = await Login(user.Username, user.Password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Sign-in of {user.Username} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The authorization request as a browser makes it: GET /oauth/authorize; sign in when sent to the login page;
    /// answer the consent page with <paramref name="decision"/>; return the redirect to the client.
    /// </summary>
    public async Task<AuthorizeResult> Authorize(RegisteredClient client, TestUser? user, Pkce? pkce, string? scope = null, string decision = "allow", string? state = "xyz-state", string? query = null)
    {
        var consentShown = false;
        using var response = await Http.GetAsync(query ?? AuthorizeQuery(client, pkce, scope, state));
        var current = response;
        string? location = Location(response);
        if (response.StatusCode == HttpStatusCode.Redirect && location is not null && location.StartsWith("/auth/login", StringComparison.Ordinal))
        {
            Assert.NotNull(user);
            var returnUrl = QueryValue(location, "returnUrl");
            Assert.NotNull(returnUrl);
            using var login = await Login(user!.Username, user.Password, returnUrl);
            Assert.True(login.StatusCode == HttpStatusCode.Redirect, $"Sign-in answered {(int)login.StatusCode}: {await login.Content.ReadAsStringAsync()}");
            Assert.Equal(returnUrl, Location(login));
            using var again = await Http.GetAsync(returnUrl);
            return await AfterSignIn(again, decision);
        }

        return await AfterSignIn(current, decision);

        async Task<AuthorizeResult> AfterSignIn(HttpResponseMessage r, string d)
        {
            if (r.StatusCode == HttpStatusCode.OK)
            {
                consentShown = true;
                var html = await r.Content.ReadAsStringAsync();
                Assert.Contains("name=\"decision\"", html, StringComparison.Ordinal);
                using var posted = await PostConsent(html, d);
                return Redirected(posted);
            }

            return Redirected(r);
        }

        AuthorizeResult Redirected(HttpResponseMessage r)
        {
            var to = Location(r);
            Assert.True(r.StatusCode == HttpStatusCode.Redirect && to is not null, $"Expected a redirect to the client, got {(int)r.StatusCode} {to}: {r.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            return new AuthorizeResult(to!, consentShown);
        }
    }

    /// <summary>GET /oauth/authorize for <paramref name="client"/> (signed in, consent not yet given): the consent page's HTML.</summary>
    public async Task<string> ConsentPage(RegisteredClient client, string? scope = null, string? state = "xyz-state")
    {
        using var page = await Get(AuthorizeQuery(client, Pkce.New(), scope, state));
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"Expected the consent page, got {(int)page.StatusCode}: {html}");
        return html;
    }

    /// <summary>Posts the consent page's form back (every hidden field as rendered) with the given decision.</summary>
    public async Task<HttpResponseMessage> PostConsent(string html, string decision, Func<List<KeyValuePair<string, string>>, List<KeyValuePair<string, string>>>? tamper = null)
    {
        var fields = HiddenFields(html);
        fields.Add(KeyValuePair.Create("decision", decision));
        return await Http.PostAsync("/oauth/authorize", new FormUrlEncodedContent(tamper is null ? fields : tamper(fields)));
    }

    public static string? Location(HttpResponseMessage response) =>
        response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l.AbsoluteUri : l.OriginalString) : null;

    public static string? QueryValue(string url, string name)
    {
        var query = url.Contains('?', StringComparison.Ordinal) ? url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;
        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        return parsed.TryGetValue(name, out var value) ? value.ToString() : null;
    }

    public static string Csrf(string html)
    {
        var field = HiddenFields(html).FirstOrDefault(f => f.Key == "__csrf");
        Assert.False(string.IsNullOrEmpty(field.Value), $"No __csrf field in the page: {html}");
        return field.Value;
    }

    public static List<KeyValuePair<string, string>> HiddenFields(string html) =>
        HiddenField().Matches(html)
            .Select(m => KeyValuePair.Create(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value)))
            .ToList();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]*)\" value=\"(?<value>[^\"]*)\">")]
    private static partial Regex HiddenField();

    public TestHost Host => host;
}
