using System.Net.Http.Json;
using System.Net.Sockets;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// Three (by default) real server processes on 127.0.0.1 sharing one fresh PostgreSQL database and one issuer (the
/// round-robin proxy's URL, as behind a load balancer), joined through static seeds or, with <c>discovery</c>, through
/// cluster bootstrap over the config discovery of each other's management endpoints; started once per test class.
/// The OAuth2 helpers take the node to call, so a test says where each step lands.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string AdminClientId = "cluster-admin";
    public const string AdminClientSecret = "cluster-admin-secret-0123456789abcdefghijklmnop";
    public const string Password = "correct horse battery staple";
    public const string RedirectUri = "https://client.example/callback";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    private readonly List<ClusterNode> _nodes;
    private readonly IReadOnlyDictionary<string, string> _common;
    private readonly string _seeds;

    private TestCluster(ClusterDatabase database, IEnumerable<ClusterNode> nodes, RoundRobinProxy proxy, IReadOnlyDictionary<string, string> common, string seeds)
    {
        Database = database;
        _nodes = nodes.ToList();
        Proxy = proxy;
        _common = common;
        _seeds = seeds;
    }

    public ClusterDatabase Database { get; }

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    public RoundRobinProxy Proxy { get; }

    public string Issuer => Proxy.Url;

    public static RegisteredClient Admin { get; } = new(AdminClientId, AdminClientSecret);

    /// <summary>
    /// Starts <paramref name="size"/> nodes with the common <paramref name="settings"/>; <paramref name="configure"/>,
    /// when given, sets what differs per node (it sees each node before it starts).
    /// </summary>
    public static async Task<TestCluster> Start(int size = 3, IReadOnlyDictionary<string, string>? settings = null, bool discovery = false, Action<ClusterNode>? configure = null)
    {
        var database = await ClusterDatabase.Create();
        var proxyPort = FreePort();
        var common = new Dictionary<string, string>
        {
            ["OAUTH2_ISSUER"] = $"http://127.0.0.1:{proxyPort}",
            ["OAUTH2_DATABASE_URL"] = database.Url,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID"] = AdminClientId,
            ["OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = AdminClientSecret,
            // The clients of the suite register themselves, as with open registration on a public deployment.
            ["OAUTH2_REGISTRATION_OPEN"] = "true",
            ["OAUTH2_REGISTRATION_ALLOWED_SCOPES"] = "read write",
            // All from 127.0.0.1: the suite registers dozens of clients on one node (RegisterMany) and signs in from
            // one address, more than the default per-address limits allow (issue #11, docs/security-limits.md).
            ["OAUTH2_RATE_LIMIT_REGISTRATIONS_PER_MINUTE"] = "0",
            ["OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__OAuth2.Actors"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            common[key] = value;
        }

        var nodes = Enumerable.Range(1, size).Select(i => new ClusterNode($"node{i}", common)).ToArray();
        var seeds = string.Join(',', nodes.Select(n => n.ClusterAddress));
        var endpoints = string.Join(',', nodes.Select(n => n.ManagementEndpoint));
        foreach (var node in nodes)
        {
            if (discovery)
            {
                node.Set("OAUTH2_CLUSTER_DISCOVERY", "config");
                node.Set("OAUTH2_CLUSTER_DISCOVERY_ENDPOINTS", endpoints);
                node.Set("OAUTH2_CLUSTER_REQUIRED_CONTACTS", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                node.Set("OAUTH2_CLUSTER_SEEDS", seeds);
            }

            configure?.Invoke(node);
            node.Start();
        }

        var proxy = await RoundRobinProxy.Start(nodes, proxyPort);
        var cluster = new TestCluster(database, nodes, proxy, common, seeds);
        await cluster.WaitUntilFormed(nodes, StartDeadline);
        await cluster.WarmUp();
        return cluster;
    }

    /// <summary>
    /// The first registration and token of a new cluster allocate shards and create the journal's tables; on a busy
    /// machine that can take longer than a short request timeout. Done once here, so the tests measure the cluster.
    /// </summary>
    private async Task WarmUp()
    {
        foreach (var node in Nodes)
        {
            await Eventually.Until(
                async () =>
                {
                    using var response = await node.Http.RegisterClientAsync(new DynamicClientRegistrationRequest
                    {
                        Address = "/clients/register",
                        Document = new DynamicClientRegistrationDocument { ClientName = "warm-up", Scope = "read", GrantTypes = { "client_credentials" } },
                    });
                    if (response.HttpStatusCode != HttpStatusCode.Created)
                    {
                        return false;
                    }

                    using var token = await Token(node, new RegisteredClient(response.ClientId!, response.ClientSecret));
                    return !token.IsError;
                },
                $"a first registration and token on {node.Name}",
                TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>Starts one more node with the same settings and seeds (not in the balancer's rotation); returns once it is ready in the cluster.</summary>
    public async Task<ClusterNode> Join(TimeSpan within)
    {
        var node = new ClusterNode($"node{_nodes.Count + 1}", _common);
        node.Set("OAUTH2_CLUSTER_SEEDS", _seeds);
        _nodes.Add(node);
        node.Start();
        await WaitUntilFormed(_nodes, within);
        return node;
    }

    /// <summary>Every one of <paramref name="nodes"/> is ready and sees exactly them, all up.</summary>
    public async Task WaitUntilFormed(IReadOnlyCollection<ClusterNode> nodes, TimeSpan within)
    {
        try
        {
            await Eventually.Until(
                async () => (await Task.WhenAll(nodes.Select(n => n.ReadyWith(nodes.Count)))).All(ok => ok),
                $"{nodes.Count} nodes ready, each seeing {nodes.Count} members up",
                within);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + Logs(), e);
        }
    }

    public string Logs() => string.Join("\n", Nodes.Select(n => n.Log()));

    // ---- OAuth2 calls, each on the node given --------------------------------------------------------------------

    public static async Task<RegisteredClient> Register(ClusterNode node, string scope = "read write")
    {
        using var response = await node.Http.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = "/clients/register",
            Document = new DynamicClientRegistrationDocument { ClientName = "cluster client", Scope = scope, GrantTypes = { "client_credentials" } },
        });
        Assert.True(response.HttpStatusCode == HttpStatusCode.Created, $"registration on {node.Name}: {(int)response.HttpStatusCode} {response.Raw}");
        return new RegisteredClient(response.ClientId!, response.ClientSecret)
        {
            RegistrationAccessToken = response.RegistrationAccessToken ?? string.Empty,
            RegistrationClientUri = response.RegistrationClientUri ?? string.Empty,
        };
    }

    public static async Task<List<RegisteredClient>> RegisterMany(int count, ClusterNode node)
    {
        var clients = new List<RegisteredClient>();
        for (var i = 0; i < count; i++)
        {
            clients.Add(await Register(node, "read"));
        }

        return clients;
    }

    /// <summary>The first of <paramref name="clients"/> that gets a token on <paramref name="node"/> at once, and the token.</summary>
    public static async Task<(RegisteredClient Client, string Token)> FirstServedClient(ClusterNode node, IEnumerable<RegisteredClient> clients)
    {
        foreach (var client in clients)
        {
            using var response = await Token(node, client);
            if (!response.IsError)
            {
                return (client, response.AccessToken!);
            }
        }

        throw new InvalidOperationException($"No client got a token on {node.Name}.");
    }

    public static async Task<RegisteredClient> RegisterCodeClient(ClusterNode node)
    {
        var document = new DynamicClientRegistrationDocument
        {
            ClientName = "cluster browser app",
            Scope = "read write",
            GrantTypes = { "authorization_code", "refresh_token" },
            ResponseTypes = { "code" },
            RedirectUris = { new Uri(RedirectUri) },
            TokenEndpointAuthenticationMethod = "none",
        };
        using var response = await node.Http.RegisterClientAsync(new DynamicClientRegistrationRequest { Address = "/clients/register", Document = document });
        Assert.True(response.HttpStatusCode == HttpStatusCode.Created, $"registration on {node.Name}: {(int)response.HttpStatusCode} {response.Raw}");
        return new RegisteredClient(response.ClientId!, null) { RedirectUri = RedirectUri };
    }

    /// <summary>
    /// The authorization-code flow as a browser makes it (cookies kept across nodes, as a browser keeps them for the
    /// balancer's host), each step sent to the node named: the code the client receives (at once, without the consent
    /// page, when the user has already consented to the client).
    /// </summary>
    public static async Task<string> AuthorizeCode(TestUser user, RegisteredClient client, Pkce pkce, ClusterNode authorizeOn, ClusterNode loginPageOn, ClusterNode loginPostOn, ClusterNode consentPageOn, ClusterNode consentPostOn)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var browser = new HttpClient(handler);
        using var authorize = await browser.GetAsync(authorizeOn.Url + TestBrowser.AuthorizeQuery(client, pkce, "read write", "cluster"));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var returnUrl = TestBrowser.QueryValue(TestBrowser.Location(authorize)!, "returnUrl")!;

        using var loginPage = await browser.GetAsync(loginPageOn.Url + "/auth/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        var csrf = TestBrowser.Csrf(await loginPage.Content.ReadAsStringAsync());
        using var login = await browser.PostAsync(loginPostOn.Url + "/auth/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = csrf,
            ["username"] = user.Username,
            ["password"] = user.Password,
            ["returnUrl"] = returnUrl,
        }));
        Assert.True(login.StatusCode == HttpStatusCode.Redirect, $"sign-in on {loginPostOn.Name}: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");

        using var consentPage = await browser.GetAsync(consentPageOn.Url + returnUrl);
        if (consentPage.StatusCode == HttpStatusCode.Redirect && TestBrowser.Location(consentPage) is { } remembered && remembered.StartsWith(RedirectUri, StringComparison.Ordinal))
        {
            // The user consented to this client before: no consent page, the code at once.
            return new AuthorizeResponse(remembered).Code!;
        }

        var html = await consentPage.Content.ReadAsStringAsync();
        Assert.True(consentPage.StatusCode == HttpStatusCode.OK, $"consent page on {consentPageOn.Name}: {(int)consentPage.StatusCode} {html}");
        var fields = TestBrowser.HiddenFields(html);
        fields.Add(KeyValuePair.Create("decision", "allow"));
        using var consent = await browser.PostAsync(consentPostOn.Url + "/oauth/authorize", new FormUrlEncodedContent(fields));
        var redirect = TestBrowser.Location(consent);
        Assert.True(consent.StatusCode == HttpStatusCode.Redirect && redirect!.StartsWith(RedirectUri, StringComparison.Ordinal), $"consent on {consentPostOn.Name}: {(int)consent.StatusCode} {redirect}");
        return new AuthorizeResponse(redirect!).Code!;
    }

    /// <summary>The public code client redeems <paramref name="code"/> with its PKCE verifier at the token endpoint of <paramref name="http"/>.</summary>
    public static Task<TokenResponse> RedeemCode(HttpClient http, RegisteredClient client, string code, Pkce pkce) =>
        http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/oauth/token",
            ClientId = client.ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Code = code,
            RedirectUri = RedirectUri,
            CodeVerifier = pkce.Verifier,
        });

    /// <summary>The public code client rotates <paramref name="refreshToken"/> at the token endpoint of <paramref name="http"/>.</summary>
    public static Task<TokenResponse> Refresh(HttpClient http, RegisteredClient client, string refreshToken) =>
        http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/oauth/token",
            ClientId = client.ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            RefreshToken = refreshToken,
        });

    public static Task<TokenResponse> Token(ClusterNode node, RegisteredClient client, string? scope = null) =>
        node.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/oauth/token",
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            Scope = scope,
        });

    public static async Task<string> AccessToken(ClusterNode node, RegisteredClient client)
    {
        using var response = await Token(node, client);
        Assert.False(response.IsError, $"token on {node.Name}: {response.Error} {response.Raw}");
        return response.AccessToken!;
    }

    public static async Task<bool> IsActive(ClusterNode node, string token)
    {
        using var response = await node.Http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = "/oauth/introspect",
            ClientId = AdminClientId,
            ClientSecret = AdminClientSecret,
            Token = token,
        });
        Assert.False(response.IsError, $"introspection on {node.Name}: {response.Error} {response.Raw}");
        return response.IsActive;
    }

    public static async Task Revoke(ClusterNode node, string token, RegisteredClient owner)
    {
        using var response = await node.Http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = "/oauth/revoke",
            ClientId = owner.ClientId,
            ClientSecret = owner.ClientSecret,
            Token = token,
            TokenTypeHint = "access_token",
        });
        Assert.False(response.IsError, $"revocation on {node.Name}: {response.Error} {response.Raw}");
    }

    public static async Task<TestUser> CreateUser(ClusterNode node)
    {
        var admin = await AccessToken(node, Admin);
        var username = TestHost.NewUsername("cluster");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/api/users") { Content = JsonContent.Create(new { username, password = Password }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin);
        using var response = await node.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"user on {node.Name}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return new TestUser(json.RootElement.GetProperty("user_id").GetString()!, username, Password);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Database.DisposeAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
