using System.Net;
using System.Text.Json;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// <c>/admin/api/clients</c> and the console's clients page over HTTP: who may call them, the listing, and what
/// disabling, enabling and deleting a client do to its authentication, its authorizations and its tokens.
/// </summary>
/// <summary>
/// A server whose disabled clients can be enabled again within seconds: no client authentication cache and a 5 s
/// request timeout make the cut-off of a disabled client's tokens 5 s after the disable.
/// </summary>
public sealed class ClientAdminFixture() : TestHostFixture(("OAUTH2_CLIENT_CACHE_SECONDS", "0"), ("OAUTH2_REQUEST_TIMEOUT_SECONDS", "5"));

public sealed class ClientAdminHttpTests(ClientAdminFixture fixture) : HostTests<ClientAdminFixture>(fixture)
{
    private const string Api = "/admin/api/clients";

    private async Task<JsonElement> Json(HttpMethod method, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Host.Send(method, path, await Host.AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Posts a console form with the page's CSRF token, expects the redirect, and returns the page it leads to.</summary>
    private static async Task<string> PostAndFollow(TestBrowser browser, string action, string page, params (string Name, string Value)[] fields)
    {
        using var posted = await browser.Http.PostAsync(action, TestHost.Form([("__csrf", TestBrowser.Csrf(page)), .. fields]));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        using var next = await browser.Get(TestBrowser.Location(posted)!);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        return await next.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Client_admin_api_must_refuse_a_caller_without_a_token_or_without_the_admin_scope()
    {
        using var anonymous = await Host.Send(HttpMethod.Get, Api, bearer: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        var (client, token) = await Host.RegisterWithToken(scope: "read");
        using var withoutScope = await Host.Send(HttpMethod.Post, $"{Api}/{client.ClientId}/disable", token);
        Assert.Equal(HttpStatusCode.Forbidden, withoutScope.StatusCode);
        Assert.False((await Json(HttpMethod.Get, $"{Api}/{client.ClientId}")).GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task Client_admin_api_must_list_every_client_a_page_at_a_time_and_search_by_name_without_secrets()
    {
        var name = "listing-" + Guid.NewGuid().ToString("N")[..8];
        var registered = new List<RegisteredClient>();
        for (var i = 0; i < 3; i++)
        {
            registered.Add(await Host.Register(name: $"{name} {i}"));
        }

        var first = await Json(HttpMethod.Get, $"{Api}?q={name.ToUpperInvariant()}&limit=2");
        Assert.Equal(3, first.GetProperty("matching").GetInt32());
        var ids = first.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("client_id").GetString()!).ToList();
        var second = await Json(HttpMethod.Get, $"{Api}?q={name}&limit=2&after={Uri.EscapeDataString(first.GetProperty("next_after").GetString()!)}");
        Assert.False(second.TryGetProperty("next_after", out _));
        ids.AddRange(second.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("client_id").GetString()!));
        Assert.Equal(registered.Select(c => c.ClientId).Order(StringComparer.Ordinal), ids);

        var one = await Json(HttpMethod.Get, $"{Api}/{registered[0].ClientId}");
        Assert.Equal($"{name} 0", one.GetProperty("client_name").GetString());
        Assert.Equal("client_secret_basic", one.GetProperty("token_endpoint_auth_method").GetString());
        Assert.True(one.GetProperty("openly_registered").GetBoolean());
        var text = one.GetRawText();
        Assert.DoesNotContain(registered[0].ClientSecret!, text, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(registered[0].RegistrationAccessToken, text, StringComparison.Ordinal);

        using var badLimit = await Host.Send(HttpMethod.Get, $"{Api}?limit=0", await Host.AdminToken());
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("application/problem+json", badLimit.Content.Headers.ContentType?.MediaType);
        await Json(HttpMethod.Get, $"{Api}/no-such-client", HttpStatusCode.NotFound);
        await Json(HttpMethod.Post, $"{Api}/no-such-client/disable", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_disabled_client_must_be_refused_tokens_and_authorizations_lose_its_tokens_and_work_again_once_enabled()
    {
        var (client, token) = await Host.RegisterWithToken();
        Assert.True((await Json(HttpMethod.Post, $"{Api}/{client.ClientId}/disable")).GetProperty("disabled").GetBoolean());

        using (var refused = await Host.RequestToken(client))
        {
            OAuthAssert.Error(refused, HttpStatusCode.Unauthorized, "invalid_client");
        }

        using (var introspection = await Host.Introspect(token))
        {
            Assert.False(introspection.IsActive);
        }

        await Host.WaitForEventsOfType("client_updated", e =>
            e.GetProperty("client_id").GetString() == client.ClientId && e.GetProperty("metadata").GetProperty("change").GetString() == "disabled");
        await Host.WaitForEventsOfType("token_revoked", e =>
            e.GetProperty("client_id").GetString() == client.ClientId && e.GetProperty("metadata").GetProperty("reason").GetString() == "client_disabled"
            && e.GetProperty("metadata").GetProperty("tokens").GetString() == "issued_until_now");

        var codeClient = await Host.RegisterCodeClient();
        await Json(HttpMethod.Post, $"{Api}/{codeClient.ClientId}/disable");
        using var browser = Host.NewBrowser();
        using var authorize = await browser.Get(TestBrowser.AuthorizeQuery(codeClient, Pkce.New()));
        Assert.Equal(HttpStatusCode.BadRequest, authorize.StatusCode);
        var refusal = await authorize.Content.ReadAsStringAsync();
        Assert.True(refusal.Contains("This client is disabled.", StringComparison.Ordinal), refusal);

        // Not before the cut-off of its revoked tokens is over (the request timeout here): 409, saying from when.
        using (var early = await Host.Send(HttpMethod.Post, $"{Api}/{client.ClientId}/enable", await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Contains("can be enabled from", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await Eventually.Until(
            async () =>
            {
                using var response = await Host.Send(HttpMethod.Post, $"{Api}/{client.ClientId}/enable", await Host.AdminToken());
                return response.StatusCode;
            },
            status => status == HttpStatusCode.OK,
            "the client to be enabled once its cut-off is over",
            TimeSpan.FromSeconds(20));
        Assert.False((await Json(HttpMethod.Get, $"{Api}/{client.ClientId}")).GetProperty("disabled").GetBoolean());
        var again = await Host.AccessToken(client);
        using var active = await Host.Introspect(again);
        Assert.True(active.IsActive);
    }

    [Fact]
    public async Task Client_admin_api_must_delete_a_client_end_its_tokens_and_unlist_it()
    {
        var (client, token) = await Host.RegisterWithToken();
        await Json(HttpMethod.Delete, $"{Api}/{client.ClientId}", HttpStatusCode.NoContent);

        using (var introspection = await Host.Introspect(token))
        {
            Assert.False(introspection.IsActive);
        }

        await Json(HttpMethod.Get, $"{Api}/{client.ClientId}", HttpStatusCode.NotFound);
        var listing = await Json(HttpMethod.Get, $"{Api}?q={client.ClientId}");
        Assert.Equal(0, listing.GetProperty("matching").GetInt32());
    }

    [Fact]
    public async Task Console_clients_page_must_let_an_admin_disable_enable_and_delete_and_refuse_a_user_without_the_role()
    {
        var client = await Host.Register(name: "console-" + Guid.NewGuid().ToString("N")[..8]);
        var admin = await Host.CreateUser(TestHost.NewUsername("clients-admin"), roles: ["admin"]);
        using var browser = Host.NewBrowser();
        await browser.SignIn(admin);

        using var list = await browser.Get($"/admin/clients?q={client.ClientId}");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(client.ClientId, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var page = await (await browser.Get($"/admin/clients/{client.ClientId}")).Content.ReadAsStringAsync();
        Assert.Contains("client_secret_basic", page, StringComparison.Ordinal);
        Assert.Contains("Client disabled", await PostAndFollow(browser, $"/admin/clients/{client.ClientId}/disable", page), StringComparison.Ordinal);

        using (var refused = await Host.RequestToken(client))
        {
            OAuthAssert.Error(refused, HttpStatusCode.Unauthorized, "invalid_client");
        }

        // Enabling right away is refused with a page that says from when; once the cut-off is over it is done.
        page = await (await browser.Get($"/admin/clients/{client.ClientId}")).Content.ReadAsStringAsync();
        using (var early = await browser.Http.PostAsync($"/admin/clients/{client.ClientId}/enable", TestHost.Form(("__csrf", TestBrowser.Csrf(page)))))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Contains("can be enabled from", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Contains("Client enabled", await PostAndFollow(browser, $"/admin/clients/{client.ClientId}/enable", page), StringComparison.Ordinal);

        await Host.AccessToken(client);

        // Deleting needs the confirmation box and the page's CSRF token.
        using (var unconfirmed = await browser.Http.PostAsync($"/admin/clients/{client.ClientId}/delete", TestHost.Form(("__csrf", TestBrowser.Csrf(page)))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        }

        using (var forged = await browser.Http.PostAsync($"/admin/clients/{client.ClientId}/delete", TestHost.Form(("__csrf", "forged"), ("confirm", "delete"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        Assert.Contains($"Client {client.ClientId} deleted.", await PostAndFollow(browser, $"/admin/clients/{client.ClientId}/delete", page, ("confirm", "delete")), StringComparison.Ordinal);

        using (var gone = await browser.Get($"/admin/clients/{client.ClientId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        // A signed-in user without the role sees neither the list nor a client, and cannot act.
        var plain = await Host.SignedInBrowser();
        using (var forbidden = await plain.Get("/admin/clients"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var other = await Host.Register();
        using var action = await plain.Http.PostAsync($"/admin/clients/{other.ClientId}/disable", TestHost.Form(("__csrf", await plain.LoginCsrf())));
        Assert.Equal(HttpStatusCode.Forbidden, action.StatusCode);
        Assert.False((await Json(HttpMethod.Get, $"{Api}/{other.ClientId}")).GetProperty("disabled").GetBoolean());
        plain.Dispose();
    }
}
