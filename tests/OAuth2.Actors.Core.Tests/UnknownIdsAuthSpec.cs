using Akka.Event;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Hosting;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The token endpoint with the node's memory of unknown ids: probes stand in for the client and refresh-family regions.</summary>
public class UnknownIdsAuthSpec : AuthActorSpecKit
{
    private readonly TestProbe _families;
    private readonly UnknownIdCache _unknownIds;
    private readonly IActorRef _auth;

    public UnknownIdsAuthSpec(ITestOutputHelper output)
        : base(output)
    {
        _families = CreateTestProbe("families");
        _unknownIds = new UnknownIdCache(100, TimeSpan.FromMinutes(1), _time);
        var services = new AuthServices(
            SpecSupport.Settings(), _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"), _clients.Ref, _tokens.Ref,
            ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, _families.Ref, NoLogger.Instance)
        {
            UnknownIds = _unknownIds,
        };
        _auth = Sys.ActorOf(AuthActor.Props(services, new TokenGrants([new ClientCredentialsGrant(), new RefreshTokenGrant()]), _failures));
    }

    [Fact]
    public async Task Client_authentication_must_not_ask_the_client_entity_again_for_an_id_it_said_is_unknown()
    {
        _auth.Tell(TokenRequest(SpecSupport.Basic("ghost", Secret), ("grant_type", "client_credentials")), TestActor);
        await AuthenticateAsync(new ClientAuthenticationFailed("ghost", ClientAuthenticationFailure.UnknownClient));
        await this.ExpectOAuthErrorAsync(Errors.InvalidClient, FailureKind.Unauthenticated);

        _auth.Tell(TokenRequest(SpecSupport.Basic("ghost", Secret), ("grant_type", "client_credentials")), TestActor);

        await this.ExpectOAuthErrorAsync(Errors.InvalidClient, FailureKind.Unauthenticated);
        await _clients.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        // A wrong secret for a client that exists is not remembered: the entity decides every time.
        _auth.Tell(TokenRequest(SpecSupport.Basic("billing", "wrong"), ("grant_type", "client_credentials")), TestActor);
        await AuthenticateAsync(new ClientAuthenticationFailed("billing", ClientAuthenticationFailure.WrongSecret));
        await this.ExpectOAuthErrorAsync(Errors.InvalidClient, FailureKind.Unauthenticated);
        _auth.Tell(TokenRequest(SpecSupport.Basic("billing", "wrong"), ("grant_type", "client_credentials")), TestActor);
        await AuthenticateAsync(new ClientAuthenticationFailed("billing", ClientAuthenticationFailure.WrongSecret));
        await this.ExpectOAuthErrorAsync(Errors.InvalidClient, FailureKind.Unauthenticated);
    }

    [Fact]
    public async Task Refresh_must_not_ask_the_family_entity_again_for_a_family_that_does_not_exist_but_must_for_a_wrong_secret()
    {
        var client = Client(grants: [GrantTypes.RefreshToken]);
        var (unknown, _) = RefreshTokens.New("f-0123456789abcdef");
        _auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), ("grant_type", "refresh_token"), ("refresh_token", unknown)), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(client));
        await _families.ExpectMsgAsync<UseRefreshToken>();
        _families.Reply(new RefreshRejected(RefreshRejection.Unknown, NoSuchFamily: true));
        await this.ExpectOAuthErrorAsync(Errors.InvalidGrant, FailureKind.BadRequest);

        _auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), ("grant_type", "refresh_token"), ("refresh_token", unknown)), TestActor);
        await AuthenticateAsync(new ClientAuthenticated(client));

        await this.ExpectOAuthErrorAsync(Errors.InvalidGrant, FailureKind.BadRequest);
        await _families.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        // A family that exists but was shown a wrong secret answers "unknown" too: never remembered (it would lock the grant out).
        var (wrongSecret, _) = RefreshTokens.New("f-fedcba9876543210");
        for (var i = 0; i < 2; i++)
        {
            _auth.Tell(TokenRequest(SpecSupport.Basic("billing", Secret), ("grant_type", "refresh_token"), ("refresh_token", wrongSecret)), TestActor);
            await AuthenticateAsync(new ClientAuthenticated(client));
            await _families.ExpectMsgAsync<UseRefreshToken>();
            _families.Reply(new RefreshRejected(RefreshRejection.Unknown));
            await this.ExpectOAuthErrorAsync(Errors.InvalidGrant, FailureKind.BadRequest);
        }
    }
}
