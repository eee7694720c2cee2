using System.Net;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Xunit;

namespace OAuth2.Actors.Testing;

/// <summary>The OAuth2 calls of every suite, through Duende.IdentityModel.</summary>
public sealed partial class TestHost
{
    public const string CorrelationHeader = "X-Correlation-ID";
    public const string RedirectUri = "https://client.example/callback";

    public const string TokenPath = "/oauth/token";
    public const string IntrospectionPath = "/oauth/introspect";
    public const string RevocationPath = "/oauth/revoke";
    public const string RegistrationPath = "/clients/register";
    public const string JwksPath = "/.well-known/jwks.json";

    private CachedToken? _adminToken;

    public string TokenEndpoint => Issuer + TokenPath;

    public string IntrospectionEndpoint => Issuer + IntrospectionPath;

    public string RevocationEndpoint => Issuer + RevocationPath;

    public string RegistrationEndpoint => Issuer + RegistrationPath;

    public string AuthorizeEndpoint => Issuer + "/oauth/authorize";

    /// <summary>The bootstrap admin client (scope admin events:read events:ingest).</summary>
    public static RegisteredClient Admin { get; } = new(AdminClientId, AdminClientSecret);

    // ---- discovery ----------------------------------------------------------------------------------------------

    public DiscoveryPolicy DiscoveryPolicy(string? documentPath = null)
    {
        var policy = new DiscoveryPolicy { Authority = Issuer, RequireHttps = false, AllowHttpOnLoopback = true };
        if (documentPath is not null)
        {
            policy.DiscoveryDocumentPath = documentPath;
        }

        return policy;
    }

    public Task<DiscoveryDocumentResponse> Discover(string? documentPath = null) =>
        Client.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = Issuer, Policy = DiscoveryPolicy(documentPath) });

    public async Task<string> JwksJson()
    {
        using var response = await Client.GetAsync(JwksPath);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"JWKS answered {(int)response.StatusCode}: {body}");
        return body;
    }

    // ---- registration -------------------------------------------------------------------------------------------

    /// <summary>Registers a confidential client_credentials client; throws <see cref="InvalidOperationException"/> when refused.</summary>
    public Task<RegisteredClient> Register(string? scope = "read write", string? bearer = null, string? name = "integration test client", string? correlationId = null, string? authMethod = null) =>
        Register(new DynamicClientRegistrationDocument { ClientName = name, Scope = scope, GrantTypes = { "client_credentials" }, TokenEndpointAuthenticationMethod = authMethod }, bearer, correlationId);

    /// <summary>A client_credentials client that authenticates the way <paramref name="style"/> does (client_secret_basic or client_secret_post).</summary>
    public Task<RegisteredClient> RegisterFor(ClientCredentialStyle style, string scope = "read write") =>
        Register(scope, authMethod: style == ClientCredentialStyle.PostBody ? "client_secret_post" : "client_secret_basic");

    /// <summary>A client_credentials client registered with <paramref name="scope"/> (by <paramref name="bearer"/>, if given) and an access token of it.</summary>
    public async Task<(RegisteredClient Client, string Token)> RegisterWithToken(string? scope = "read write", string? bearer = null)
    {
        var client = await Register(scope, bearer);
        return (client, await AccessToken(client));
    }

    /// <summary>A client_credentials client registered by the admin (for reserved scopes).</summary>
    public async Task<RegisteredClient> RegisterAsAdmin(string scope, string name = "service client") =>
        await Register(scope, await AdminToken(), name);

    /// <summary>
    /// Registers a client for the authorization_code grant (and refresh_token unless told otherwise), by the admin as a
    /// deployment registers the apps it trusts; <paramref name="openly"/>: through open registration, without a token
    /// (its redirect URIs are then not trusted until a user consents).
    /// </summary>
    public async Task<RegisteredClient> RegisterCodeClient(
        bool confidential = false,
        string scope = "read write",
        string[]? redirectUris = null,
        string[]? grantTypes = null,
        string name = "Flow test app",
        string? bearer = null,
        bool openly = false)
    {
        var document = new DynamicClientRegistrationDocument
        {
            ClientName = name,
            Scope = scope,
            TokenEndpointAuthenticationMethod = confidential ? "client_secret_basic" : "none",
        };
        foreach (var uri in redirectUris ?? [RedirectUri])
        {
            document.RedirectUris.Add(new Uri(uri));
        }

        foreach (var grant in grantTypes ?? ["authorization_code", "refresh_token"])
        {
            document.GrantTypes.Add(grant);
        }

        if (document.GrantTypes.Contains("authorization_code"))
        {
            document.ResponseTypes.Add("code");
        }

        return await Register(document, bearer ?? (openly ? null : await AdminToken()), correlationId: null);
    }

    private async Task<RegisteredClient> Register(DynamicClientRegistrationDocument document, string? bearer, string? correlationId)
    {
        var request = new DynamicClientRegistrationRequest { Address = RegistrationEndpoint, Document = document, Token = bearer };
        Trace(request, correlationId, null);
        using var response = await Client.RegisterClientAsync(request);
        if (response.IsError || response.HttpStatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Registration failed: {(int)response.HttpStatusCode} {response.Error} {response.Raw}");
        }

        return new RegisteredClient(response.ClientId!, response.ClientSecret, response.Json!.Value.Clone())
        {
            RegistrationAccessToken = response.RegistrationAccessToken ?? string.Empty,
            RegistrationClientUri = response.RegistrationClientUri ?? string.Empty,
            RedirectUri = document.RedirectUris.FirstOrDefault()?.OriginalString ?? string.Empty,
        };
    }

    // ---- token endpoint -----------------------------------------------------------------------------------------

    public Task<TokenResponse> RequestToken(string clientId, string? clientSecret, string? scope = null, ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader, string? correlationId = null, string? traceparent = null)
    {
        var request = new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = clientId,
            ClientSecret = clientSecret,
            Scope = scope,
            ClientCredentialStyle = style,
        };
        Trace(request, correlationId, traceparent);
        return Client.RequestClientCredentialsTokenAsync(request);
    }

    public Task<TokenResponse> RequestToken(RegisteredClient client, string? scope = null, ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader, string? correlationId = null, string? traceparent = null) =>
        RequestToken(client.ClientId, client.ClientSecret, scope, style, correlationId, traceparent);

    /// <summary>An access token by client_credentials; fails the test when refused.</summary>
    public async Task<string> AccessToken(RegisteredClient client, string? scope = null, string? correlationId = null, string? traceparent = null, ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader)
    {
        using var response = await RequestToken(client, scope, style, correlationId, traceparent);
        Assert.False(response.IsError, $"{client.ClientId} could not get a token: {response.Error} {response.Raw}");
        return response.AccessToken!;
    }

    /// <summary>A fresh access token of the bootstrap admin client, already revoked (by the admin client itself).</summary>
    public async Task<string> RevokedAdminToken()
    {
        var token = await AccessToken(Admin);
        using var revocation = await Revoke(token, Admin);
        Assert.True(!revocation.IsError && revocation.HttpStatusCode == HttpStatusCode.OK, $"Revoking the admin token failed: {(int)revocation.HttpStatusCode} {revocation.Raw}");
        return token;
    }

    /// <summary>A (cached) token of the bootstrap admin client, renewed when half its lifetime has passed.</summary>
    public async Task<string> AdminToken()
    {
        if (_adminToken is null || _adminToken.Stale)
        {
            using var response = await RequestToken(Admin);
            Assert.False(response.IsError, $"The admin client could not get a token: {response.Error} {response.Raw}");
            _adminToken = new CachedToken(response.AccessToken!, TimeSpan.FromSeconds(response.ExpiresIn / 2.0));
        }

        return _adminToken.Value;
    }

    public Task<TokenResponse> ExchangeCode(RegisteredClient client, string code, string? codeVerifier, string? redirectUri = null, string? clientIdOverride = null) =>
        Client.RequestAuthorizationCodeTokenAsync(AuthenticatedAs(
            client,
            new AuthorizationCodeTokenRequest { Code = code, RedirectUri = redirectUri ?? client.RedirectUri, CodeVerifier = codeVerifier },
            clientIdOverride));

    public Task<TokenResponse> Refresh(RegisteredClient client, string refreshToken, string? scope = null) =>
        Client.RequestRefreshTokenAsync(AuthenticatedAs(client, new RefreshTokenRequest { RefreshToken = refreshToken, Scope = scope }));

    public Task<TokenResponse> PasswordGrant(RegisteredClient client, string username, string password, string? scope = null) =>
        Client.RequestPasswordTokenAsync(AuthenticatedAs(client, new PasswordTokenRequest { UserName = username, Password = password, Scope = scope }));

    /// <summary>A token request to this host's token endpoint, authenticated as <paramref name="client"/>.</summary>
    private T AuthenticatedAs<T>(RegisteredClient client, T request, string? clientIdOverride = null)
        where T : ProtocolRequest
    {
        request.Address = TokenEndpoint;
        request.ClientId = clientIdOverride ?? client.ClientId;
        request.ClientSecret = client.ClientSecret;
        request.ClientCredentialStyle = client.Style;
        return request;
    }

    // ---- introspection, revocation ------------------------------------------------------------------------------

    /// <summary>Introspects <paramref name="token"/> as <paramref name="caller"/> (the admin client when none is given).</summary>
    public Task<TokenIntrospectionResponse> Introspect(string token, RegisteredClient? caller = null, string? correlationId = null, ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader)
    {
        caller ??= Admin;
        var request = new TokenIntrospectionRequest
        {
            Address = IntrospectionEndpoint,
            ClientId = caller.ClientId,
            ClientSecret = caller.ClientSecret,
            ClientCredentialStyle = style,
            Token = token,
        };
        Trace(request, correlationId, null);
        return Client.IntrospectTokenAsync(request);
    }

    /// <summary>Introspects as the admin client; true when active.</summary>
    public async Task<bool> IsActive(string token)
    {
        using var response = await Introspect(token);
        Assert.False(response.IsError, $"Introspection failed: {response.Error} {response.Raw}");
        return response.IsActive;
    }

    public Task<TokenRevocationResponse> Revoke(string token, RegisteredClient caller, string? tokenTypeHint = "access_token", string? correlationId = null)
    {
        var request = new TokenRevocationRequest
        {
            Address = RevocationEndpoint,
            ClientId = caller.ClientId,
            ClientSecret = caller.ClientSecret,
            ClientCredentialStyle = caller.Style,
            Token = token,
        };
        if (tokenTypeHint is not null)
        {
            request.TokenTypeHint = tokenTypeHint;
        }

        Trace(request, correlationId, null);
        return Client.RevokeTokenAsync(request);
    }

    /// <summary>The OAuth2 <c>error</c> code of a failed response (Duende reports 401s as HTTP errors).</summary>
    public static string? OAuthError(ProtocolResponse response)
    {
        Assert.True(response.IsError, response.Raw);
        using var json = JsonDocument.Parse(response.Raw!);
        return json.RootElement.GetProperty("error").GetString();
    }

    private static void Trace(HttpRequestMessage request, string? correlationId, string? traceparent)
    {
        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation(CorrelationHeader, correlationId);
        }

        if (traceparent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        }
    }

    private sealed class CachedToken(string value, TimeSpan freshFor)
    {
        private readonly DateTimeOffset _staleAt = DateTimeOffset.UtcNow + freshFor;

        public string Value { get; } = value;

        public bool Stale => DateTimeOffset.UtcNow >= _staleAt;
    }
}
