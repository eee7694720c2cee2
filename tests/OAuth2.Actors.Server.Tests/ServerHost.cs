using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using OAuth2.Actors.Testing;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// One running server: the real <see cref="Program"/> hosted in memory by <see cref="WebApplicationFactory{TEntryPoint}"/>
/// on a given data directory. Disposing it stops the host (and its actor system); starting another on the same
/// directory is a restart.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    public const string Issuer = "http://localhost";
    public const string AdminClientId = "test-bootstrap-admin";
    public const string AdminClientSecret = "test-bootstrap-admin-secret-0123456789-abcdefghij";

    public const string TokenPath = "/oauth/token";
    public const string IntrospectionPath = "/oauth/introspect";
    public const string RevocationPath = "/oauth/revoke";
    public const string RegistrationPath = "/clients/register";
    public const string JwksPath = "/.well-known/jwks.json";

    public const string TokenEndpoint = Issuer + TokenPath;
    public const string IntrospectionEndpoint = Issuer + IntrospectionPath;
    public const string RevocationEndpoint = Issuer + RevocationPath;
    public const string RegistrationEndpoint = Issuer + RegistrationPath;

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    private readonly TestServerFactory _factory;

    private ServerHost(string dataDirectory, TestServerFactory factory)
    {
        DataDirectory = dataDirectory;
        _factory = factory;
        Client = factory.CreateClient();
    }

    public string DataDirectory { get; }

    /// <summary>A client for the host (base address http://localhost/, the issuer).</summary>
    public HttpClient Client { get; }

    /// <summary>
    /// Starts the server on <paramref name="dataDirectory"/> and returns once <c>/ready</c> answers 200 and the bootstrap
    /// admin client can get a token. <paramref name="extraSettings"/> override the defaults (OAUTH2_* names).
    /// </summary>
    public static async Task<ServerHost> Start(string dataDirectory, IReadOnlyDictionary<string, string?>? extraSettings = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OAUTH2_ISSUER"] = Issuer,
            ["OAUTH2_DATA_DIR"] = dataDirectory,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID"] = AdminClientId,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = AdminClientSecret,
            ["OAUTH2_CLUSTER_PORT"] = "0",
            ["OAUTH2_CLUSTER_HOST"] = "127.0.0.1",
            ["OAUTH2_TOKEN_ACTORS"] = "2",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new TestServerFactory(settings);
        ServerHost? host = null;
        try
        {
            host = new ServerHost(dataDirectory, factory);
            await ServerReadiness.WaitUntilUsable(host.Client, () => host.RequestToken(AdminClientId, AdminClientSecret), StartDeadline, factory.Logs);
            return host;
        }
        catch
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
            else
            {
                await factory.DisposeAsync();
            }

            throw;
        }
    }

    public HttpClient CreateClient() => _factory.CreateClient();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }

    // ---- OAuth2 operations through Duende.IdentityModel ---------------------------------------------------------

    public static DiscoveryPolicy DiscoveryPolicy(string? documentPath = null)
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

    public async Task<RegisteredClient> Register(string? scope = "read write", string? bearer = null, string? name = "integration test client")
    {
        var document = new DynamicClientRegistrationDocument { ClientName = name, Scope = scope };
        document.GrantTypes.Add("client_credentials");
        using var response = await Client.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = RegistrationEndpoint,
            Document = document,
            Token = bearer,
        });
        if (response.IsError || response.HttpStatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Registration failed: {(int)response.HttpStatusCode} {response.Error} {response.Raw}");
        }

        return new RegisteredClient(response.ClientId!, response.ClientSecret!, response.Json!.Value.Clone());
    }

    public Task<TokenResponse> RequestToken(string clientId, string clientSecret, string? scope = null, ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader) =>
        Client.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = clientId,
            ClientSecret = clientSecret,
            Scope = scope,
            ClientCredentialStyle = style,
        });

    public Task<TokenResponse> RequestToken(RegisteredClient client, string? scope = null, ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader) =>
        RequestToken(client.ClientId, client.ClientSecret, scope, style);

    /// <summary>An access token of the bootstrap admin client (scope admin events:read events:ingest).</summary>
    public async Task<string> AdminAccessToken()
    {
        using var response = await RequestToken(AdminClientId, AdminClientSecret);
        if (response.IsError)
        {
            throw new InvalidOperationException($"The bootstrap admin client could not get a token: {response.Error} {response.Raw}");
        }

        return response.AccessToken!;
    }

    public async Task<string> AccessToken(RegisteredClient client, string? scope = null)
    {
        using var response = await RequestToken(client, scope);
        if (response.IsError)
        {
            throw new InvalidOperationException($"Client {client.ClientId} could not get a token: {response.Error} {response.Raw}");
        }

        return response.AccessToken!;
    }

    public Task<TokenIntrospectionResponse> Introspect(string token, RegisteredClient caller) =>
        Introspect(token, caller.ClientId, caller.ClientSecret);

    public Task<TokenIntrospectionResponse> Introspect(string token, string clientId = AdminClientId, string clientSecret = AdminClientSecret) =>
        Client.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = IntrospectionEndpoint,
            ClientId = clientId,
            ClientSecret = clientSecret,
            Token = token,
        });

    public Task<TokenRevocationResponse> Revoke(string token, RegisteredClient caller, string? tokenTypeHint = "access_token")
    {
        var request = new TokenRevocationRequest
        {
            Address = RevocationEndpoint,
            ClientId = caller.ClientId,
            ClientSecret = caller.ClientSecret,
            Token = token,
        };
        if (tokenTypeHint is not null)
        {
            request.TokenTypeHint = tokenTypeHint;
        }

        return Client.RevokeTokenAsync(request);
    }

    public async Task<string> JwksJson()
    {
        using var response = await Client.GetAsync(JwksPath);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"JWKS answered {(int)response.StatusCode}: {body}");
        }

        return body;
    }
}

/// <summary>A client registered through <c>/clients/register</c>, with the registration response as received.</summary>
public sealed record RegisteredClient(string ClientId, string ClientSecret, JsonElement Registration);

/// <summary>Raw HTTP helpers for the requests a client library will not send (bad input).</summary>
public static class RawRequests
{
    public static FormUrlEncodedContent Form(params (string Key, string Value)[] values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, v.Value)));

    public static JsonContent Json<T>(T value) => JsonContent.Create(value);
}
