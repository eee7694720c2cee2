using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>Users (through the admin API) and the whole authorization-code flow as a browser makes it.</summary>
public sealed partial class TestHost
{
    public const string DefaultPassword = "correct horse battery staple";

    public static string NewUsername(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    /// <summary>POST /admin/api/users as the admin (with <paramref name="roles"/>, none by default).</summary>
    public async Task<TestUser> CreateUser(string? username = null, string password = DefaultPassword, string? email = null, string[]? roles = null)
    {
        username ??= NewUsername();
        using var response = await Send(HttpMethod.Post, "/admin/api/users", await AdminToken(), JsonContent.Create(new { username, password, email, roles = roles ?? [] }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating user {username} answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return new TestUser(json.RootElement.GetProperty("user_id").GetString()!, username, password);
    }

    /// <summary>A browser in which a new user has signed in.</summary>
    public async Task<TestBrowser> SignedInBrowser()
    {
        var user = await CreateUser();
        var browser = NewBrowser();
        await browser.SignIn(user);
        return browser;
    }

    /// <summary>
    /// What a flow test starts from: a new user, a new authorization-code client (<paramref name="confidential"/>,
    /// <paramref name="redirectUris"/> as for <see cref="RegisterCodeClient"/>) and a fresh browser, in which the user
    /// has signed in when <paramref name="signedIn"/>.
    /// </summary>
    public async Task<FlowStart> NewFlow(bool confidential = false, string[]? redirectUris = null, bool signedIn = false)
    {
        var user = await CreateUser();
        var client = await RegisterCodeClient(confidential, redirectUris: redirectUris);
        var browser = NewBrowser();
        if (signedIn)
        {
            await browser.SignIn(user);
        }

        return new FlowStart(user, client, browser);
    }

    /// <summary>A new user authorizes a new code client (PKCE S256): the client, the code and the PKCE pair.</summary>
    public async Task<(RegisteredClient Client, string Code, Pkce Pkce)> CodeFor(string[]? redirectUris = null)
    {
        var user = await CreateUser();
        var client = await RegisterCodeClient(redirectUris: redirectUris);
        using var browser = NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce);
        Assert.NotNull(result.Code);
        return (client, result.Code!, pkce);
    }

    /// <summary>The whole flow over HTTP (sign in, consent, code) and the code exchange with PKCE.</summary>
    public async Task<TokenResponse> TokensFor(RegisteredClient client, TestUser user, string? scope = null)
    {
        using var browser = NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce, scope: scope);
        Assert.True(result.Code is not null, $"No code: {result.Location}");
        var tokens = await ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, $"Code exchange failed: {tokens.Error} {tokens.Raw}");
        return tokens;
    }
}
