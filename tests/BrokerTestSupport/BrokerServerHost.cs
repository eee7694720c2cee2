using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Testing;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>
/// The real server (<see cref="Program"/>) in <see cref="WebApplicationFactory{TEntryPoint}"/> with the OAUTH2_* settings
/// of a test (OAUTH2_EVENTS_BACKEND and the broker's URL select a backend exactly as in production: the host has every
/// broker backend compiled in), optional service overrides, captured warnings, and the OAuth2 calls of the tests through Duende.IdentityModel.
/// </summary>
public sealed class BrokerServerHost : IAsyncDisposable
{
    public const string Issuer = "http://localhost";
    public const string AdminClientId = "broker-test-admin";
    public const string AdminClientSecret = "broker-test-admin-secret-0123456789-abcdefghij";
    public const string CorrelationHeader = "X-Correlation-ID";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private readonly TestServerFactory _factory;
    private readonly string _dataDirectory;

    private BrokerServerHost(string dataDirectory, TestServerFactory factory)
    {
        _dataDirectory = dataDirectory;
        _factory = factory;
        Client = factory.CreateClient();
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    public CapturedLogs Logs => _factory.Logs;

    public static async Task<BrokerServerHost> Start(IReadOnlyDictionary<string, string?> extraSettings, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "oauth2-actors-broker-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OAUTH2_ISSUER"] = Issuer,
            ["OAUTH2_DATA_DIR"] = dataDirectory,
            ["OAUTH2_CLUSTER_PORT"] = "0",
            ["OAUTH2_CLUSTER_HOST"] = "127.0.0.1",
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID"] = AdminClientId,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = AdminClientSecret,
            ["OAUTH2_TOKEN_ACTORS"] = "2",
        };
        foreach (var (key, value) in extraSettings)
        {
            settings[key] = value;
        }

        var factory = new TestServerFactory(settings, services);
        BrokerServerHost? host = null;
        try
        {
            host = new BrokerServerHost(dataDirectory, factory);
            await ServerReadiness.WaitUntilUsable(host.Client, () => host.RequestToken(new TestClient(AdminClientId, AdminClientSecret)), StartDeadline, factory.Logs);
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

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // ---- OAuth2 calls --------------------------------------------------------------------------------------------------

    public async Task<TestClient> Register(string scope = "read", string? correlationId = null)
    {
        var document = new DynamicClientRegistrationDocument { ClientName = "broker test client", Scope = scope };
        document.GrantTypes.Add("client_credentials");
        var request = new DynamicClientRegistrationRequest { Address = Issuer + "/clients/register", Document = document };
        Correlate(request, correlationId);
        using var response = await Client.RegisterClientAsync(request);
        Assert.True(!response.IsError && response.HttpStatusCode == HttpStatusCode.Created, $"Registration failed: {(int)response.HttpStatusCode} {response.Raw}");
        return new TestClient(response.ClientId!, response.ClientSecret!);
    }

    public Task<TokenResponse> RequestToken(TestClient client, string? correlationId = null, string? traceparent = null)
    {
        var request = new ClientCredentialsTokenRequest
        {
            Address = Issuer + "/oauth/token",
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader,
        };
        Correlate(request, correlationId);
        if (traceparent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        }

        return Client.RequestClientCredentialsTokenAsync(request);
    }

    public async Task<string> AccessToken(TestClient client, string? correlationId = null, string? traceparent = null)
    {
        using var response = await RequestToken(client, correlationId, traceparent);
        Assert.False(response.IsError, $"{client.ClientId} could not get a token: {response.Error} {response.Raw}");
        return response.AccessToken!;
    }

    public async Task<string> AdminToken() => await AccessToken(new TestClient(AdminClientId, AdminClientSecret));

    /// <summary>Introspects <paramref name="token"/> as the admin client.</summary>
    public Task<TokenIntrospectionResponse> Introspect(string token, string? correlationId = null)
    {
        var request = new TokenIntrospectionRequest
        {
            Address = Issuer + "/oauth/introspect",
            ClientId = AdminClientId,
            ClientSecret = AdminClientSecret,
            Token = token,
        };
        Correlate(request, correlationId);
        return Client.IntrospectTokenAsync(request);
    }

    public Task<TokenRevocationResponse> Revoke(string token, TestClient owner, string? correlationId = null)
    {
        var request = new TokenRevocationRequest
        {
            Address = Issuer + "/oauth/revoke",
            ClientId = owner.ClientId,
            ClientSecret = owner.ClientSecret,
            Token = token,
            TokenTypeHint = "access_token",
        };
        Correlate(request, correlationId);
        return Client.RevokeTokenAsync(request);
    }

    // ---- events, health ------------------------------------------------------------------------------------------------

    /// <summary>GET /events/health: the body.</summary>
    public async Task<JsonElement> EventsHealth()
    {
        using var response = await Client.GetAsync("/events/health");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/events/health answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The plugin named <paramref name="name"/> in /events/health, or null.</summary>
    public async Task<JsonElement?> SinkHealth(string name)
    {
        var health = await EventsHealth();
        foreach (var plugin in health.GetProperty("plugins").EnumerateArray())
        {
            if (plugin.GetProperty("name").GetString() == name)
            {
                return plugin;
            }
        }

        return null;
    }

    /// <summary>Polls /events/health until the sink matches <paramref name="condition"/>.</summary>
    public async Task<JsonElement> WaitForSink(string name, Func<JsonElement, bool> condition, TimeSpan within, string what)
    {
        var sink = await Eventually.Until(() => SinkHealth(name), s => s is { } found && condition(found), $"sink {name} to be {what}", within);
        return sink!.Value;
    }

    /// <summary>GET /ready: status and body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> Ready()
    {
        using var response = await Client.GetAsync("/ready");
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    /// <summary>
    /// GET /events until what it answers satisfies <paramref name="done"/>: the in-memory sink receives events
    /// asynchronously, like every other sink, so a read right after a request races its delivery.
    /// </summary>
    public Task<IReadOnlyList<JsonElement>> StoredEventsWhen(Func<IReadOnlyList<JsonElement>, bool> done, string what, string query = "limit=1000") =>
        Eventually.Until(() => StoredEvents(query), done, "the in-memory store to hold " + what);

    /// <summary>GET /events (the in-memory store) as the admin: the envelopes as the server holds them.</summary>
    public async Task<IReadOnlyList<JsonElement>> StoredEvents(string query = "limit=1000")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events?" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await AdminToken());
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static void Correlate(HttpRequestMessage request, string? correlationId)
    {
        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation(CorrelationHeader, correlationId);
        }
    }
}

/// <summary>A client registered through /clients/register.</summary>
public sealed record TestClient(string ClientId, string ClientSecret);
