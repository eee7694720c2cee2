namespace OAuth2.Actors.Server.Tests;

/// <summary>Registration exactly as a fresh install has it: no OAUTH2_REGISTRATION_* setting at all.</summary>
public sealed class DefaultRegistrationFixture() : TestHostFixture(("OAUTH2_REGISTRATION_OPEN", null), ("OAUTH2_REGISTRATION_ALLOWED_SCOPES", null));

/// <summary>Open registration with its default allow-list (the default client scope, <c>read</c>).</summary>
public sealed class OpenRegistrationDefaultScopesFixture() : TestHostFixture(("OAUTH2_REGISTRATION_OPEN", "true"), ("OAUTH2_REGISTRATION_ALLOWED_SCOPES", null));

/// <summary>Registration is closed unless the operator opens it (security review finding 1).</summary>
public sealed class ClosedRegistrationTests(DefaultRegistrationFixture fixture) : HostTests<DefaultRegistrationFixture>(fixture)
{
    [Fact]
    public async Task Registration_must_be_closed_by_default()
    {
        using var response = await RegistrationRequests.Post(Host, bearer: null, scope: "read");

        await OAuthAssert.Unauthorized(response, "invalid_token", "Bearer");
    }

    [Fact]
    public async Task Registration_must_accept_any_scope_with_an_admin_token_when_closed()
    {
        var client = await Host.Register(scope: "read payments:transfer", bearer: await Host.AdminToken());

        Assert.Equal("read payments:transfer", client.Registration.GetProperty("scope").GetString());
    }

    [Fact]
    public void Registration_must_not_warn_about_open_registration_when_closed()
    {
        Assert.DoesNotContain(Host.Logs.Warnings, w => w.Contains("OAUTH2_REGISTRATION_OPEN", StringComparison.Ordinal));
    }
}

/// <summary>Open registration asks only for scopes on its allow-list (finding 1: registrants picked any scope).</summary>
public sealed class OpenRegistrationScopeTests(OpenRegistrationDefaultScopesFixture fixture) : HostTests<OpenRegistrationDefaultScopesFixture>(fixture)
{
    [Theory]
    [InlineData("write")]
    [InlineData("payments:transfer")]
    [InlineData("read payments:transfer")]
    [InlineData("admin")]
    [InlineData("events:read")]
    public async Task Open_registration_must_refuse_a_scope_outside_the_allow_list(string scope)
    {
        using var response = await RegistrationRequests.Post(Host, bearer: null, scope: scope);

        var error = await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
        Assert.Contains("initial access token or an admin access token", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_registration_must_refuse_a_request_with_basic_credentials_instead_of_taking_it_as_open()
    {
        // Otherwise a Basic header would be an open registration the per-address limit does not count.
        using var request = new HttpRequestMessage(HttpMethod.Post, TestHost.RegistrationPath) { Content = JsonContent.Create(new { scope = "read" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "Zm9vOmJhcg==");

        using var response = await Host.Client.SendAsync(request);

        await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Open_registration_must_accept_the_allowed_scope_and_default_to_it()
    {
        var asked = await Host.Register(scope: "read");
        var defaulted = await Host.Register(scope: null);

        Assert.Equal("read", asked.Registration.GetProperty("scope").GetString());
        Assert.Equal("read", defaulted.Registration.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Open_registration_must_still_give_any_scope_to_an_admin_token()
    {
        var client = await Host.Register(scope: "write payments:transfer", bearer: await Host.AdminToken());

        Assert.Equal("write payments:transfer", client.Registration.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Open_registration_must_not_let_a_client_widen_its_scope_with_its_registration_token()
    {
        var client = await Host.Register(scope: "read");

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, client.RegistrationAccessToken,
            JsonContent.Create(new { client_id = client.ClientId, grant_types = new[] { "client_credentials" }, scope = "read payments:transfer" }));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
        using var token = await Host.RequestToken(client, scope: "payments:transfer");
        OAuthAssert.Error(token, HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task Open_registration_must_let_an_admin_widen_a_client_scope()
    {
        var client = await Host.Register(scope: "read");

        using var response = await Host.Send(HttpMethod.Put, client.RegistrationClientUri, await Host.AdminToken(),
            JsonContent.Create(new { client_id = client.ClientId, grant_types = new[] { "client_credentials" }, scope = "read payments:transfer" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(await Host.AccessToken(client, scope: "payments:transfer")));
    }

    [Fact]
    public void Open_registration_must_be_warned_about_at_start()
    {
        Assert.Contains(Host.Logs.Warnings, w => w.Contains("OAUTH2_REGISTRATION_OPEN is true", StringComparison.Ordinal) && w.Contains("read", StringComparison.Ordinal));
    }
}

internal static class RegistrationRequests
{
    public static async Task<HttpResponseMessage> Post(TestHost host, string? bearer, string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TestHost.RegistrationPath)
        {
            Content = JsonContent.Create(new { grant_types = new[] { "client_credentials" }, scope }),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await host.Client.SendAsync(request);
    }
}

/// <summary>The registration settings are checked at start.</summary>
public sealed class RegistrationOptionsTests
{
    [Theory]
    [InlineData("read admin")]
    [InlineData("events:ingest")]
    public void Options_must_refuse_a_reserved_scope_in_the_open_registration_allow_list(string scopes)
    {
        var failures = OptionsBinding.Failures(OptionsBinding.Bind(("OAUTH2_REGISTRATION_OPEN", "true"), ("OAUTH2_REGISTRATION_ALLOWED_SCOPES", scopes)));

        Assert.Contains(failures, f => f.Contains("OAUTH2_REGISTRATION_ALLOWED_SCOPES", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_must_refuse_an_operator_reserved_scope_in_the_open_registration_allow_list()
    {
        var failures = OptionsBinding.Failures(OptionsBinding.Bind(
            ("OAUTH2_RESERVED_SCOPES", "payments:transfer"), ("OAUTH2_REGISTRATION_OPEN", "true"), ("OAUTH2_REGISTRATION_ALLOWED_SCOPES", "read payments:transfer")));

        Assert.Contains(failures, f => f.Contains("OAUTH2_REGISTRATION_ALLOWED_SCOPES must not contain 'payments:transfer'", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_must_bind_the_registration_settings_into_the_server_settings()
    {
        var options = OptionsBinding.Bind(("OAUTH2_REGISTRATION_OPEN", "true"), ("OAUTH2_REGISTRATION_ALLOWED_SCOPES", "read, write profile"), ("OAUTH2_REGISTRATION_UNUSED_CLIENT_TTL_SECONDS", "86400"));

        var settings = options.ToSettings();

        Assert.Empty(OptionsBinding.Failures(options));
        Assert.True(settings.RegistrationOpen);
        Assert.Equal(["profile", "read", "write"], settings.OpenRegistrationScopes.Order(StringComparer.Ordinal));
        Assert.Equal(TimeSpan.FromDays(1), settings.UnusedClientTtl);
    }

    [Fact]
    public void Options_must_keep_registration_closed_and_clients_for_ever_by_default()
    {
        var settings = OptionsBinding.Bind().ToSettings();

        Assert.False(settings.RegistrationOpen);
        Assert.Equal(["read"], settings.OpenRegistrationScopes);
        Assert.Equal(TimeSpan.Zero, settings.UnusedClientTtl);
    }
}
