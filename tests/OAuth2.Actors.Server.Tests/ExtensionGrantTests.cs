using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Auth.Token;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// RFC 6749 4.5: a grant type added to the real server as one <see cref="ITokenGrant"/> class and one registration
/// line, with no other file touched. Discovery lists it, registration accepts it, the token endpoint serves it with
/// the shared rules (client authentication, the client's registered grants, required parameters) in front of it.
/// </summary>
public sealed class ExtensionGrantTests(ExtensionGrantTests.ServerWithDelegationGrant fixture)
    : HostTests<ExtensionGrantTests.ServerWithDelegationGrant>(fixture)
{
    private const string GrantType = "urn:example:params:oauth:grant-type:delegation";

    [Fact]
    public async Task Discovery_must_list_a_registered_extension_grant()
    {
        var discovery = await Host.Discover();

        Assert.False(discovery.IsError, discovery.Error);
        Assert.Contains(GrantType, discovery.GrantTypesSupported);
    }

    [Fact]
    public async Task Token_endpoint_must_serve_a_registered_extension_grant_to_a_client_registered_for_it()
    {
        var client = await RegisterDelegationClient();

        using var response = await RequestDelegation(client, ("on_behalf_of", "batch-job-7"));

        Assert.False(response.IsError, response.Raw);
        using var introspection = await Host.Introspect(response.AccessToken!);
        Assert.True(introspection.IsActive, introspection.Raw);
        Assert.Equal("batch-job-7", introspection.Subject);
        Assert.Equal(client.ClientId, introspection.ClientId);
        Assert.Equal("read", introspection.Scopes.Single());
    }

    [Fact]
    public async Task Token_endpoint_must_refuse_an_extension_grant_without_its_required_parameter()
    {
        var client = await RegisterDelegationClient();

        using var response = await RequestDelegation(client);

        Assert.Equal(HttpStatusCode.BadRequest, response.HttpStatusCode);
        Assert.Equal("invalid_request", response.Error);
        Assert.Contains("on_behalf_of", response.ErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_endpoint_must_refuse_an_extension_grant_to_a_client_not_registered_for_it()
    {
        var client = await Host.Register(scope: "read");

        using var response = await RequestDelegation(client, ("on_behalf_of", "batch-job-7"));

        Assert.Equal("unauthorized_client", response.Error);
    }

    private async Task<RegisteredClient> RegisterDelegationClient()
    {
        var document = new JsonObject { ["client_name"] = "delegating service", ["scope"] = "read", ["grant_types"] = new JsonArray(GrantType) };
        using var response = await Host.Client.PostAsJsonAsync(TestHost.RegistrationPath, document);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return new RegisteredClient(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString());
    }

    private Task<TokenResponse> RequestDelegation(RegisteredClient client, params (string Key, string Value)[] parameters)
    {
        var request = new TokenRequest { Address = Host.TokenEndpoint, GrantType = GrantType, ClientId = client.ClientId, ClientSecret = client.ClientSecret };
        foreach (var (key, value) in parameters)
        {
            request.Parameters.Add(key, value);
        }

        return Host.Client.RequestTokenAsync(request);
    }

    /// <summary>The server with the extension grant registered: this line is all the wiring it takes.</summary>
    public sealed class ServerWithDelegationGrant : TestHostFixture
    {
        protected override Action<IServiceCollection> Services => services => services.AddTokenGrant<DelegationGrant>();
    }

    /// <summary>An extension grant as a user of the server would write one: a service acting for a named job.</summary>
    public sealed class DelegationGrant : ITokenGrant
    {
        public string GrantType => ExtensionGrantTests.GrantType;

        public IReadOnlyList<string> RequiredParameters { get; } = ["on_behalf_of"];

        public async Task<OAuthReply> Issue(TokenRequestContext context)
        {
            var services = context.Services;
            var client = context.AuthenticatedClient;
            var issued = await services.Ask<AccessTokenIssued>(services.Tokens, new IssueAccessToken(
                context.Form.Get("on_behalf_of")!, client.ClientId, client.Scope, GrantType, context.Request));
            return context.Issued(issued, client.Scope);
        }
    }
}
