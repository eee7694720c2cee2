using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;
using OAuth2.Actors.Testing;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The real <see cref="Program"/> for the user and browser-flow tests: hosted in memory by
/// <see cref="WebApplicationFactory{TEntryPoint}"/>, or on a real Kestrel socket on a loopback port (for a real browser).
/// Helpers drive the OAuth2 calls through Duende.IdentityModel and the pages through <see cref="FlowBrowser"/>.
/// </summary>
public sealed class FlowServerHost : IAsyncDisposable
{
    public const string AdminClientId = "flow-test-admin";
    public const string AdminClientSecret = "flow-test-admin-secret-0123456789-abcdefghijklmn";
    public const string DefaultPassword = "correct horse battery staple";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);
    private readonly TestServerFactory _factory;
    private string? _adminToken;

    private FlowServerHost(TestServerFactory factory, string issuer, string dataDirectory)
    {
        _factory = factory;
        Issuer = issuer;
        DataDirectory = dataDirectory;
        Client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri(issuer + "/") });
    }

    /// <summary>http://localhost in memory; http://127.0.0.1:{port} on Kestrel.</summary>
    public string Issuer { get; }

    public string DataDirectory { get; }

    /// <summary>No cookies, no redirects followed.</summary>
    public HttpClient Client { get; }

    public string AuthorizeEndpoint => Issuer + "/oauth/authorize";

    public string TokenEndpoint => Issuer + "/oauth/token";

    public static async Task<FlowServerHost> Start(string dataDirectory, IReadOnlyDictionary<string, string?>? extraSettings = null, bool kestrel = false)
    {
        var port = kestrel ? FreeLoopbackPort() : 0;
        var issuer = kestrel ? $"http://127.0.0.1:{port}" : "http://localhost";
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OAUTH2_ISSUER"] = issuer,
            ["OAUTH2_DATA_DIR"] = dataDirectory,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID"] = AdminClientId,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = AdminClientSecret,
            ["OAUTH2_CLUSTER_PORT"] = "0",
            ["OAUTH2_CLUSTER_HOST"] = "127.0.0.1",
            ["OAUTH2_TOKEN_ACTORS"] = "2",
            // Two cores shared with other builds: generous internal deadlines.
            ["OAUTH2_REQUEST_TIMEOUT_SECONDS"] = "30",
        };
        if (kestrel)
        {
            settings["OAUTH2_SERVER_HOST"] = "127.0.0.1";
            settings["OAUTH2_SERVER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new TestServerFactory(settings);
        if (kestrel)
        {
            factory.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            factory.StartServer();
        }

        FlowServerHost? host = null;
        try
        {
            host = new FlowServerHost(factory, issuer, dataDirectory);
            host._adminToken = await ServerReadiness.WaitUntilUsable(host.Client, () => host.ClientCredentials(AdminClientId, AdminClientSecret), StartDeadline, factory.Logs);
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

    /// <summary>A client that keeps cookies (a browser's session) and does not follow redirects.</summary>
    public FlowBrowser NewBrowser() =>
        new(this, _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri(Issuer + "/") }));

    public string HostLog(int lines = 40) => _factory.Logs.Tail(lines);

    // ---- admin --------------------------------------------------------------------------------------------------

    /// <summary>A (cached) token of the bootstrap admin client: scope admin events:read events:ingest.</summary>
    public async Task<string> AdminToken()
    {
        if (_adminToken is null || new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(_adminToken).ValidTo < DateTime.UtcNow.AddSeconds(30))
        {
            using var response = await ClientCredentials(AdminClientId, AdminClientSecret);
            Assert.False(response.IsError, $"The admin client could not get a token: {response.Error} {response.Raw}");
            _adminToken = response.AccessToken!;
        }

        return _adminToken;
    }

    public Task<TokenResponse> ClientCredentials(string clientId, string clientSecret, string? scope = null) =>
        Client.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = clientId,
            ClientSecret = clientSecret,
            Scope = scope,
        });

    public static FormUrlEncodedContent Form(params (string Key, string Value)[] values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, v.Value)));

    public async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? bearer, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>POST /admin/api/users as the admin; returns the created user's JSON.</summary>
    public async Task<FlowUser> CreateUser(string? username = null, string password = DefaultPassword, string? email = null)
    {
        username ??= NewUsername();
        using var response = await Send(HttpMethod.Post, "/admin/api/users", await AdminToken(), JsonContent.Create(new { username, password, email }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating user {username} answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return new FlowUser(json.RootElement.GetProperty("user_id").GetString()!, username, password);
    }

    public static string NewUsername(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    // ---- clients ------------------------------------------------------------------------------------------------

    public const string RedirectUri = "https://client.example/callback";

    /// <summary>Registers a client for the authorization_code grant (and refresh_token unless told otherwise).</summary>
    public async Task<FlowClient> RegisterCodeClient(
        bool confidential = false,
        string scope = "read write",
        string[]? redirectUris = null,
        string[]? grantTypes = null,
        string name = "Flow test app",
        string? bearer = null)
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

        using var response = await Client.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = Issuer + "/clients/register",
            Document = document,
            Token = bearer,
        });
        Assert.True(!response.IsError && response.HttpStatusCode == HttpStatusCode.Created, $"Registration failed: {(int)response.HttpStatusCode} {response.Raw}");
        return new FlowClient(
            response.ClientId!,
            response.ClientSecret,
            response.RegistrationAccessToken!,
            response.RegistrationClientUri!,
            (redirectUris ?? [RedirectUri])[0]);
    }

    /// <summary>A confidential client_credentials client (registered through the admin when its scope is reserved).</summary>
    public async Task<FlowClient> RegisterServiceClient(string scope = "read", bool asAdmin = false, string name = "Flow service client")
    {
        var document = new DynamicClientRegistrationDocument { ClientName = name, Scope = scope };
        document.GrantTypes.Add("client_credentials");
        using var response = await Client.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = Issuer + "/clients/register",
            Document = document,
            Token = asAdmin ? await AdminToken() : null,
        });
        Assert.True(!response.IsError && response.HttpStatusCode == HttpStatusCode.Created, $"Registration failed: {(int)response.HttpStatusCode} {response.Raw}");
        return new FlowClient(response.ClientId!, response.ClientSecret, response.RegistrationAccessToken!, response.RegistrationClientUri!, string.Empty);
    }

    // ---- token endpoint (Duende.IdentityModel) -------------------------------------------------------------------

    public Task<TokenResponse> ExchangeCode(FlowClient client, string code, string? codeVerifier, string? redirectUri = null, string? clientIdOverride = null) =>
        Client.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = clientIdOverride ?? client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientCredentialStyle = client.ClientSecret is null ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader,
            Code = code,
            RedirectUri = redirectUri ?? client.RedirectUri,
            CodeVerifier = codeVerifier,
        });

    public Task<TokenResponse> Refresh(FlowClient client, string refreshToken, string? scope = null) =>
        Client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientCredentialStyle = client.ClientSecret is null ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader,
            RefreshToken = refreshToken,
            Scope = scope,
        });

    public Task<TokenResponse> PasswordGrant(FlowClient client, string username, string password, string? scope = null) =>
        Client.RequestPasswordTokenAsync(new PasswordTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientCredentialStyle = client.ClientSecret is null ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader,
            UserName = username,
            Password = password,
            Scope = scope,
        });

    public Task<TokenRevocationResponse> Revoke(FlowClient client, string token, string? hint = null)
    {
        var request = new TokenRevocationRequest
        {
            Address = Issuer + "/oauth/revoke",
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientCredentialStyle = client.ClientSecret is null ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader,
            Token = token,
        };
        if (hint is not null)
        {
            request.TokenTypeHint = hint;
        }

        return Client.RevokeTokenAsync(request);
    }

    /// <summary>Introspects as the admin client; true when active.</summary>
    public async Task<bool> IsActive(string token)
    {
        using var response = await Client.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = Issuer + "/oauth/introspect",
            ClientId = AdminClientId,
            ClientSecret = AdminClientSecret,
            Token = token,
        });
        Assert.False(response.IsError, $"Introspection failed: {response.Error} {response.Raw}");
        return response.IsActive;
    }

    /// <summary>The whole flow over HTTP (sign in, consent, code) and the code exchange with PKCE.</summary>
    public async Task<TokenResponse> TokensFor(FlowClient client, FlowUser user, string? scope = null)
    {
        using var browser = NewBrowser();
        var pkce = Pkce.New();
        var result = await browser.Authorize(client, user, pkce, scope: scope);
        Assert.True(result.Code is not null, $"No code: {result.Location}");
        var tokens = await ExchangeCode(client, result.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, $"Code exchange failed: {tokens.Error} {tokens.Raw}");
        return tokens;
    }

    // ---- events -------------------------------------------------------------------------------------------------

    public async Task<string> EventsJson(string query = "limit=1000")
    {
        using var response = await Send(HttpMethod.Get, "/events?" + query, await AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events?{query} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    public async Task<IReadOnlyList<JsonElement>> Events(string query = "limit=1000")
    {
        using var document = JsonDocument.Parse(await EventsJson(query));
        return document.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").Clone()).ToArray();
    }

    /// <summary>Polls GET /events (published asynchronously) until <paramref name="count"/> events of the type match.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForEvents(string type, Func<JsonElement, bool> match, int count = 1, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = (await Events($"event_type={type}&limit=1000")).Where(match).ToArray();
            if (found.Length >= count)
            {
                return found;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} {type} event(s) matching, found {found.Length}: {string.Join("\n", (await Events($"event_type={type}&limit=1000")).Select(e => e.GetRawText()))}");
            }

            await Task.Delay(100);
        }
    }

    // ---- start-up -----------------------------------------------------------------------------------------------

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed record FlowUser(string UserId, string Username, string Password);

/// <summary>A registered client; <see cref="ClientSecret"/> is null for a public client.</summary>
public sealed record FlowClient(string ClientId, string? ClientSecret, string RegistrationAccessToken, string RegistrationClientUri, string RedirectUri);

/// <summary>RFC 7636 S256: a random verifier and its challenge.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce New()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(48));
        return new Pkce(verifier, ChallengeOf(verifier));
    }

    public static string ChallengeOf(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Where the authorization request ended: the redirect to the client (parsed by Duende's <see cref="AuthorizeResponse"/>).</summary>
public sealed record FlowResult(string Location, bool ConsentShown)
{
    private readonly AuthorizeResponse _response = new(Location);

    public string? Code => _response.Code;

    public string? State => _response.State;

    public string? Issuer => _response.Issuer;

    public string? Error => _response.Error;

    public string? ErrorDescription => _response.ErrorDescription;
}

/// <summary>
/// A browser made of an <see cref="HttpClient"/> with a cookie container: follows the server's redirects itself,
/// reads the CSRF field from each form and posts forms back the way a browser would.
/// </summary>
public sealed partial class FlowBrowser(FlowServerHost host, HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public void Dispose() => Http.Dispose();

    public static string AuthorizeQuery(FlowClient client, Pkce? pkce, string? scope = null, string? state = "xyz-state", string? redirectUri = null, string responseType = "code", string? method = "S256")
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

    public async Task SignIn(FlowUser user)
    {
        using var response = await Login(user.Username, user.Password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Sign-in of {user.Username} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The authorization request as a browser makes it: GET /oauth/authorize; sign in when sent to the login page;
    /// answer the consent page with <paramref name="decision"/>; return the redirect to the client.
    /// </summary>
    public async Task<FlowResult> Authorize(FlowClient client, FlowUser? user, Pkce? pkce, string? scope = null, string decision = "allow", string? state = "xyz-state", string? query = null)
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

        async Task<FlowResult> AfterSignIn(HttpResponseMessage r, string d)
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

        FlowResult Redirected(HttpResponseMessage r)
        {
            var to = Location(r);
            Assert.True(r.StatusCode == HttpStatusCode.Redirect && to is not null, $"Expected a redirect to the client, got {(int)r.StatusCode} {to}: {r.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            return new FlowResult(to!, consentShown);
        }
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

    public FlowServerHost Host => host;
}

/// <summary>A server per test class on a fresh data directory; derived fixtures change the settings.</summary>
public class FlowServerFixture : IAsyncLifetime
{
    private FlowServerHost? _host;

    public string DataDirectory { get; } = ServerFixture.NewDataDirectory();

    public FlowServerHost Host => _host ?? throw new InvalidOperationException("The server is not started.");

    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    protected virtual bool Kestrel => false;

    public async Task InitializeAsync() => _host = await FlowServerHost.Start(DataDirectory, Settings, Kestrel);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        ServerFixture.DeleteDataDirectory(DataDirectory);
    }
}

public sealed class FlowLockoutFixture : FlowServerFixture
{
    public const int MaxFailures = 3;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_LOCKOUT_MAX_FAILURES"] = "3",
        ["OAUTH2_LOCKOUT_SECONDS"] = "600",
    };
}

public sealed class FlowOptionalPkceFixture : FlowServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_REQUIRE_PKCE"] = "false",
    };
}

public sealed class FlowReuseLeewayFixture : FlowServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_REFRESH_TOKEN_REUSE_LEEWAY"] = "30",
    };
}

public sealed class FlowPasswordGrantFixture : FlowServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_ALLOW_PASSWORD_GRANT"] = "true",
    };
}

/// <summary>Sign-up page and password grant on: every way a password reaches the server.</summary>
public sealed class FlowSignUpFixture : FlowServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_USER_SIGNUP"] = "true",
        ["OAUTH2_ALLOW_PASSWORD_GRANT"] = "true",
    };
}

/// <summary>Authorization codes live 5 seconds (the smallest allowed), so a test can see one expire.</summary>
public sealed class FlowShortCodeFixture : FlowServerFixture
{
    public const int CodeTtlSeconds = 5;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_AUTHORIZATION_CODE_TTL"] = "5",
    };
}

/// <summary>An https issuer: the session and CSRF cookies must be Secure (the test client still talks http in memory).</summary>
public sealed class FlowHttpsIssuerFixture : FlowServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OAUTH2_ISSUER"] = "https://localhost",
    };
}

/// <summary>The real server on a Kestrel socket (loopback), for a real browser.</summary>
public sealed class FlowKestrelFixture : FlowServerFixture
{
    protected override bool Kestrel => true;
}

/// <summary>Assertions for the pages and ProblemDetails answers.</summary>
public static class FlowAssert
{
    /// <summary>Every page forbids framing, caching and sniffing.</summary>
    public static void PageHeaders(HttpResponseMessage response)
    {
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore == true, "Pages must carry Cache-Control: no-store.");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
        return json.RootElement.Clone();
    }

    public static void NotServerError(HttpResponseMessage response, string body) =>
        Assert.True((int)response.StatusCode < 500, $"The server failed ({(int)response.StatusCode}): {body}");

    public static string Meta(JsonElement e, string key) =>
        e.GetProperty("metadata").TryGetProperty(key, out var v) ? v.GetString() ?? string.Empty : string.Empty;

    public static string? Str(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
