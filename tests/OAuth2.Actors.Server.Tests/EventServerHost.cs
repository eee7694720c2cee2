using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Json.Schema;
using Microsoft.AspNetCore.Mvc.Testing;
using OAuth2.Actors.Events;
using Xunit;
using OAuth2.Actors.Testing;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The real <see cref="Program"/> hosted by <see cref="WebApplicationFactory{TEntryPoint}"/> for the event pipeline
/// tests, with its service provider exposed (to reach the actor system) and helpers to read <c>/events</c>.
/// </summary>
public sealed class EventServerHost : IAsyncDisposable
{
    public const string Issuer = "http://localhost";
    public const string AdminClientId = "events-test-admin";
    public const string AdminClientSecret = "events-test-admin-secret-0123456789-abcdefghijkl";
    public const string CorrelationHeader = "X-Correlation-ID";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private readonly TestServerFactory _factory;
    private string? _adminToken;

    private EventServerHost(string dataDirectory, TestServerFactory factory)
    {
        DataDirectory = dataDirectory;
        _factory = factory;
        Client = factory.CreateClient();
    }

    public string DataDirectory { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    public static async Task<EventServerHost> Start(string dataDirectory, IReadOnlyDictionary<string, string?>? extraSettings = null)
    {
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
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new TestServerFactory(settings);
        EventServerHost? host = null;
        try
        {
            host = new EventServerHost(dataDirectory, factory);
            host._adminToken = await ServerReadiness.WaitUntilUsable(host.Client, () => host.RequestToken(AdminClientId, AdminClientSecret), StartDeadline, factory.Logs);
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
    }

    // ---- OAuth2 calls (Duende.IdentityModel) ----------------------------------------------------------------------

    public Task<TokenResponse> RequestToken(string clientId, string clientSecret, string? scope = null, string? correlationId = null, string? traceparent = null)
    {
        var request = new ClientCredentialsTokenRequest
        {
            Address = Issuer + "/oauth/token",
            ClientId = clientId,
            ClientSecret = clientSecret,
            Scope = scope,
            ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader,
        };
        Trace(request, correlationId, traceparent);
        return Client.RequestClientCredentialsTokenAsync(request);
    }

    public async Task<string> AccessToken(EventTestClient client, string? scope = null, string? correlationId = null)
    {
        using var response = await RequestToken(client.ClientId, client.ClientSecret, scope, correlationId);
        Assert.False(response.IsError, $"{client.ClientId} could not get a token: {response.Error} {response.Raw}");
        return response.AccessToken!;
    }

    /// <summary>A (cached) token of the bootstrap admin client: scope admin events:read events:ingest.</summary>
    public async Task<string> AdminToken()
    {
        // Refreshed shortly before it expires (one fixture runs with 10-second tokens).
        if (_adminToken is null || new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(_adminToken).ValidTo < DateTime.UtcNow.AddSeconds(4))
        {
            using var response = await RequestToken(AdminClientId, AdminClientSecret);
            Assert.False(response.IsError, $"The admin client could not get a token: {response.Error} {response.Raw}");
            _adminToken = response.AccessToken!;
        }

        return _adminToken;
    }

    public async Task<EventTestClient> Register(string scope = "read", string? correlationId = null, string? bearer = null, string name = "event test client")
    {
        var document = new DynamicClientRegistrationDocument { ClientName = name, Scope = scope };
        document.GrantTypes.Add("client_credentials");
        var request = new DynamicClientRegistrationRequest { Address = Issuer + "/clients/register", Document = document, Token = bearer };
        Trace(request, correlationId, null);
        using var response = await Client.RegisterClientAsync(request);
        Assert.True(!response.IsError && response.HttpStatusCode == HttpStatusCode.Created, $"Registration failed: {(int)response.HttpStatusCode} {response.Raw}");
        return new EventTestClient(response.ClientId!, response.ClientSecret!, response.Raw!);
    }

    /// <summary>Introspects as the admin client.</summary>
    public Task<TokenIntrospectionResponse> Introspect(string token, string? correlationId = null)
    {
        var request = new TokenIntrospectionRequest
        {
            Address = Issuer + "/oauth/introspect",
            ClientId = AdminClientId,
            ClientSecret = AdminClientSecret,
            Token = token,
        };
        Trace(request, correlationId, null);
        return Client.IntrospectTokenAsync(request);
    }

    public Task<TokenRevocationResponse> Revoke(string token, EventTestClient owner, string? correlationId = null)
    {
        var request = new TokenRevocationRequest
        {
            Address = Issuer + "/oauth/revoke",
            ClientId = owner.ClientId,
            ClientSecret = owner.ClientSecret,
            Token = token,
            TokenTypeHint = "access_token",
        };
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

    // ---- /events ----------------------------------------------------------------------------------------------------

    public async Task<HttpResponseMessage> GetEvents(string query, string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events" + (query.Length > 0 ? "?" + query : string.Empty));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>GET /events as the admin; the raw body.</summary>
    public async Task<string> EventsJson(string query = "limit=1000")
    {
        using var response = await GetEvents(query, await AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events?{query} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>GET /events as the admin; the envelopes, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> Events(string query = "limit=1000")
    {
        using var document = JsonDocument.Parse(await EventsJson(query));
        var events = document.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToArray();
        Assert.Equal(events.Length, document.RootElement.GetProperty("count").GetInt32());
        return events;
    }

    /// <summary>Polls GET /events until at least <paramref name="count"/> envelopes match (events are published asynchronously).</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForEvents(string query, Func<JsonElement, bool> match, int count = 1, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var found = (await Events(query)).Where(match).ToArray();
            if (found.Length >= count)
            {
                return found;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} matching event(s) from GET /events?{query}, found {found.Length}: {string.Join("\n", (await Events(query)).Select(e => e.GetRawText()))}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The single envelope of <paramref name="type"/> that carries <paramref name="correlationId"/>.</summary>
    public async Task<JsonElement> WaitForEvent(string type, string correlationId, string? clientId = null)
    {
        var query = $"event_type={type}&limit=1000" + (clientId is null ? string.Empty : "&client_id=" + Uri.EscapeDataString(clientId));
        return Assert.Single(await WaitForEvents(query, e => e.CorrelationId() == correlationId));
    }

    public async Task<HttpResponseMessage> Ingest(string body, string? bearer, string? idempotencyKey = null, string? contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/ingest")
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await Client.SendAsync(request);
    }
}

/// <summary>A client registered through <c>/clients/register</c>; <see cref="Registration"/> is the raw response.</summary>
public sealed record EventTestClient(string ClientId, string ClientSecret, string Registration);

/// <summary>A server per test class on a fresh data directory; derived fixtures change the OAUTH2_* settings.</summary>
public class EventServerFixture : IAsyncLifetime
{
    private EventServerHost? _host;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "oauth2-actors-event-tests", Guid.NewGuid().ToString("N"));

    public EventServerHost Host => _host ?? throw new InvalidOperationException("The server is not started.");

    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        try
        {
            _host = await EventServerHost.Start(DataDirectory, Settings);
        }
        catch
        {
            // xUnit does not dispose a fixture whose initialization failed.
            DeleteDataDirectory();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        DeleteDataDirectory();
    }

    private void DeleteDataDirectory()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>OAUTH2_EVENTS_ENABLED=false.</summary>
public sealed class EventsDisabledServerFixture : EventServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_EVENTS_ENABLED"] = "false",
    };
}

/// <summary>Only token_created passes the filter; events go to the console and the in-memory store.</summary>
public sealed class EventsFilteredServerFixture : EventServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_EVENTS_FILTER_MODE"] = "include",
        ["OAUTH2_EVENTS_TYPES"] = "token_created",
        ["OAUTH2_EVENTS_BACKEND"] = "console,in_memory",
    };
}

/// <summary>Access tokens live 10 seconds (the smallest allowed), for token_expired.</summary>
public sealed class EventsShortTokenLifetimeServerFixture : EventServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_ACCESS_TOKEN_TTL"] = "10",
    };
}

/// <summary>Reading envelopes as returned by GET /events (snake_case JSON).</summary>
public static class EventEnvelopeJson
{
    public static JsonElement Event(this JsonElement envelope) => envelope.GetProperty("event");

    public static string? Type(this JsonElement envelope) => envelope.Event().GetProperty("event_type").GetString();

    public static string? Id(this JsonElement envelope) => envelope.Event().GetProperty("id").GetString();

    public static string? ClientId(this JsonElement envelope) => envelope.Event().GetProperty("client_id").GetString();

    public static string? Severity(this JsonElement envelope) => envelope.Event().GetProperty("severity").GetString();

    public static string? Error(this JsonElement envelope) => envelope.Event().GetProperty("error").GetString();

    public static DateTimeOffset Timestamp(this JsonElement envelope) => envelope.Event().GetProperty("timestamp").GetDateTimeOffset();

    public static string? Metadata(this JsonElement envelope, string key) =>
        envelope.Event().GetProperty("metadata").TryGetProperty(key, out var value) ? value.GetString() : null;

    public static string? CorrelationId(this JsonElement envelope) => envelope.GetProperty("correlation_id").GetString();

    public static string? Traceparent(this JsonElement envelope) => envelope.GetProperty("traceparent").GetString();

    public static string? IdempotencyKey(this JsonElement envelope) => envelope.GetProperty("idempotency_key").GetString();

    public static string? Attribute(this JsonElement envelope, string key) =>
        envelope.GetProperty("attributes").TryGetProperty(key, out var value) ? value.GetString() : null;
}

/// <summary>The shipped envelope schema (JSON Schema 2020-12), with format validation on.</summary>
public static class EventEnvelopeSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() => Parse(EventJson.Schema()));

    public static JsonSchema Parse(string text) => JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    /// <summary>Every error the schema finds in <paramref name="envelope"/> (empty when valid).</summary>
    public static IReadOnlyList<string> Errors(JsonElement envelope, JsonSchema? schema = null)
    {
        var results = (schema ?? Schema.Value).Evaluate(envelope, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (results.IsValid)
        {
            return [];
        }

        var errors = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (no details)"];
    }
}
