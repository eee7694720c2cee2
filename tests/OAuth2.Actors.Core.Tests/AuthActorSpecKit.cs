using Akka.Event;

namespace OAuth2.Actors.Core.Tests;

/// <summary>An AuthActor with probes for the client region, the token actors and the event actor.</summary>
public abstract class AuthActorSpecKit : PersistenceSpec
{
    protected const string Secret = "s3cret";

    protected readonly TestProbe _clients;
    protected readonly TestProbe _tokens;

    protected AuthActorSpecKit(ITestOutputHelper output)
        : base(output)
    {
        _clients = CreateTestProbe("clients");
        _tokens = CreateTestProbe("tokens");
    }

    protected readonly ServerFailures _failures = new();

    protected IActorRef StartAuth(ServerSettings? settings = null, params ITokenGrant[] extraGrants)
    {
        var services = new AuthServices(
            settings ?? SpecSupport.Settings(), _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"), _clients.Ref, _tokens.Ref,
            ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, NoLogger.Instance);
        ITokenGrant[] grants = [new ClientCredentialsGrant(), new AuthorizationCodeGrant(), new RefreshTokenGrant(), new PasswordGrant(), .. extraGrants];
        return Sys.ActorOf(AuthActor.Props(services, new TokenGrants(grants), _failures));
    }

    protected static ClientView Client(string clientId = "billing", string scope = "read write", string method = ClientAuthMethods.ClientSecretBasic, params string[] grants) =>
        new(clientId, "Billing", [], grants.Length == 0 ? [GrantTypes.ClientCredentials] : grants, [], method, scope);

    protected static TokenEndpointRequest TokenRequest(PresentedAuthorization authorization, params (string Key, string Value)[] form) =>
        new(authorization, OAuthParameters.Of(form), SpecSupport.Context);

    /// <summary>Plays the client region: expects the authentication request and answers it.</summary>
    protected async Task<AuthenticateClient> AuthenticateAsync(object reply)
    {
        var request = await _clients.ExpectMsgAsync<AuthenticateClient>();
        _clients.Reply(reply);
        return request;
    }
}
