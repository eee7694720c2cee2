using Akka.Cluster;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Core.Tests;

public class TokenActorSpec : ClusterSpec
{
    private static readonly string Pem = SigningKeyMaterial.GeneratePem(SigningAlgorithm.ES256);
    private static readonly SigningKeyMaterial Key = SigningKeyMaterial.FromPem(Pem);

    private readonly FakeTimeProvider _time = new(SpecSupport.Start);
    private readonly TestProbe _keys;
    private readonly TestProbe _revocations;
    private readonly TestProbe _pool;
    private readonly TestProbe _events;
    private readonly RevocationView _revoked = new();
    private readonly SigningKeyRing _ring = new();

    public TokenActorSpec(ITestOutputHelper output)
        : base(output)
    {
        // Stands in for the node's signing-key view: answers every refresh (after the test has added to the ring, if it wants).
        _keys = CreateTestProbe("keys");
        _keys.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is RefreshSigningKeys)
            {
                sender.Tell(SigningKeysRefreshed.Instance);
            }

            return AutoPilot.KeepRunning;
        }));
        _revocations = CreateTestProbe("revocations");
        _pool = CreateTestProbe("pool");
        _events = CreateTestProbe("events");
    }

    private Task<IActorRef> StartTokenActorAsync(ServerSettings? settings = null) =>
        // The probe "pool" is the parent, standing in for the round-robin pool router.
        _pool.ChildActorOfAsync(TokenActor.Props(settings ?? SpecSupport.Settings(), _time, _ring, _keys.Ref, _revocations.Ref, _revoked, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec")));

    /// <summary>A key of the ring, activating at <paramref name="activates"/>.</summary>
    private static (SigningKeyEntry, SigningKeyMaterial) Entry(SigningKeyMaterial key, string pem, DateTimeOffset activates) =>
        (new SigningKeyEntry(key.KeyId, key.Algorithm, pem, activates, activates, SigningKeyEntry.Generated), key);

    /// <summary>Loads the node's key ring (as its view actor would) and its revocation view with <paramref name="revoked"/>.</summary>
    private Task LoadAsync(IReadOnlyDictionary<string, long>? revoked = null)
    {
        foreach (var (key, exp) in revoked ?? new Dictionary<string, long>())
        {
            _revoked.Confirm(key, exp);
        }

        _revoked.MarkLoaded();
        _ring.Add([Entry(Key, Pem, SpecSupport.Start.AddDays(-1))], SpecSupport.Settings());
        return Task.CompletedTask;
    }

    private async Task<IActorRef> StartReadyTokenActorAsync(IReadOnlyDictionary<string, long>? revoked = null, ServerSettings? settings = null)
    {
        var tokens = await StartTokenActorAsync(settings);
        await LoadAsync(revoked);
        return tokens;
    }

    private async Task<AccessTokenIssued> IssueAsync(IActorRef tokens, string clientId = "billing", string scope = "read write")
    {
        tokens.Tell(new IssueAccessToken(clientId, clientId, scope, GrantTypes.ClientCredentials, SpecSupport.Context), TestActor);
        return await ExpectMsgAsync<AccessTokenIssued>();
    }

    private async Task<IntrospectionResult> IntrospectAsync(IActorRef tokens, string token)
    {
        tokens.Tell(new IntrospectToken(token, SpecSupport.Context), TestActor);
        return await ExpectMsgAsync<IntrospectionResult>();
    }

    /// <summary>Waits a little and fails if the revocation region was asked to record anything.</summary>
    private async Task ExpectNoRecordRevocationAsync()
    {
        var messages = await _revocations.ReceiveWhileAsync<object>(TimeSpan.FromMilliseconds(300), m => m).ToListAsync();
        Assert.DoesNotContain(messages, m => m is RecordRevocation);
    }

    [Fact]
    public async Task TokenActor_must_put_the_requested_resources_in_aud_and_report_them_on_introspection()
    {
        var tokens = await StartReadyTokenActorAsync();

        tokens.Tell(new IssueAccessToken("billing", "billing", "read", GrantTypes.ClientCredentials, SpecSupport.Context, Audiences: ["https://api.example.test"]), TestActor);
        var one = await ExpectMsgAsync<AccessTokenIssued>();
        tokens.Tell(new IssueAccessToken("billing", "billing", "read", GrantTypes.ClientCredentials, SpecSupport.Context, Audiences: ["https://api.example.test", "urn:example:ledger"]), TestActor);
        var two = await ExpectMsgAsync<AccessTokenIssued>();

        Assert.Equal(["https://api.example.test"], new JsonWebToken(one.AccessToken).Audiences);
        Assert.Equal(["https://api.example.test", "urn:example:ledger"], new JsonWebToken(two.AccessToken).Audiences);
        Assert.Equal(["https://api.example.test"], (await IntrospectAsync(tokens, one.AccessToken)).Token!.Audiences);
        Assert.Equal(["https://api.example.test", "urn:example:ledger"], (await IntrospectAsync(tokens, two.AccessToken)).Token!.Audiences);
    }

    [Fact]
    public async Task TokenActor_must_accept_any_audience_in_a_token_it_signed()
    {
        // Who may learn about a token for another audience is the introspection endpoint's decision, not the signature check's.
        var tokens = await StartReadyTokenActorAsync();

        var result = await IntrospectAsync(tokens, Forge(Key, audience: "https://resource.example.test"));

        Assert.True(result.Active);
        Assert.Equal(["https://resource.example.test"], result.Token!.Audiences);
    }

    private static string Forge(
        SigningKeyMaterial key,
        string? issuer = SpecSupport.Issuer,
        string? audience = SpecSupport.Issuer,
        string type = TokenTypes.AccessTokenJwtType,
        string jti = "forged-jti",
        string clientId = "billing")
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = SpecSupport.Start.UtcDateTime,
            NotBefore = SpecSupport.Start.UtcDateTime,
            Expires = SpecSupport.Start.AddMinutes(5).UtcDateTime,
            TokenType = type,
            SigningCredentials = key.Credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = clientId,
                ["client_id"] = clientId,
                ["scope"] = "read",
                [JwtRegisteredClaimNames.Jti] = jti,
            },
        });
    }

    [Fact]
    public async Task TokenActor_must_stash_requests_until_the_key_and_the_nodes_revocations_are_loaded()
    {
        var tokens = await StartTokenActorAsync();
        tokens.Tell(new IssueAccessToken("billing", "billing", "read", GrantTypes.ClientCredentials, SpecSupport.Context), TestActor);

        _ring.Add([Entry(Key, Pem, SpecSupport.Start.AddDays(-1))], SpecSupport.Settings());

        tokens.Tell(GetTokenServiceStatus.Instance, TestActor);
        var status = await ExpectMsgAsync<TokenServiceStatus>();
        Assert.False(status.Ready);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        _revoked.MarkLoaded();

        var issued = await ExpectMsgAsync<AccessTokenIssued>();
        Assert.False(string.IsNullOrEmpty(issued.AccessToken));
        tokens.Tell(GetTokenServiceStatus.Instance, TestActor);
        Assert.True((await ExpectMsgAsync<TokenServiceStatus>()).Ready);
    }

    [Fact]
    public async Task TokenActor_must_sign_with_the_key_current_at_the_moment_and_verify_each_token_by_its_kid()
    {
        var tokens = await StartReadyTokenActorAsync();
        var nextPem = SigningKeyMaterial.GeneratePem(SigningAlgorithm.ES256);
        var next = SigningKeyMaterial.FromPem(nextPem);
        _ring.Add([Entry(next, nextPem, SpecSupport.Start.AddMinutes(10))], SpecSupport.Settings());

        var before = await IssueAsync(tokens);
        Assert.Equal(Key.KeyId, new JsonWebToken(before.AccessToken).Kid);

        // The next key signs from its activation; the retired key keeps verifying the tokens it signed.
        _time.Advance(TimeSpan.FromMinutes(10));
        var after = await IssueAsync(tokens);
        Assert.Equal(next.KeyId, new JsonWebToken(after.AccessToken).Kid);
        Assert.True((await IntrospectAsync(tokens, after.AccessToken)).Active);

        tokens.Tell(GetJsonWebKeys.Instance, TestActor);
        var published = (await ExpectMsgAsync<CurrentJsonWebKeys>()).Keys.Select(k => k["kid"]).ToArray();
        Assert.Equal([Key.KeyId, next.KeyId], published);

        // An access-token lifetime (5 min) after it stopped signing, the retired key is gone from the JWKS.
        _time.Advance(TimeSpan.FromMinutes(5));
        tokens.Tell(GetJsonWebKeys.Instance, TestActor);
        Assert.Equal([next.KeyId], (await ExpectMsgAsync<CurrentJsonWebKeys>()).Keys.Select(k => k["kid"]).ToArray());
    }

    [Fact]
    public async Task TokenActor_must_read_the_keys_again_when_a_token_names_a_key_it_does_not_know()
    {
        var tokens = await StartReadyTokenActorAsync();
        var newPem = SigningKeyMaterial.GeneratePem(SigningAlgorithm.ES256);
        var started = SigningKeyMaterial.FromPem(newPem);
        var token = Forge(started);
        // Another node already signs with it; this node's view learns of it when asked.
        _keys.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is RefreshSigningKeys)
            {
                _ring.Add([Entry(started, newPem, SpecSupport.Start)], SpecSupport.Settings());
                sender.Tell(SigningKeysRefreshed.Instance);
            }

            return AutoPilot.KeepRunning;
        }));

        Assert.True((await IntrospectAsync(tokens, token)).Active);
        await _keys.ExpectMsgAsync<RefreshSigningKeys>();
    }

    [Fact]
    public async Task TokenActor_must_issue_a_token_that_introspects_active_with_its_claims()
    {
        var tokens = await StartReadyTokenActorAsync();

        var issued = await IssueAsync(tokens, "billing", "read write");

        Assert.Equal(SpecSupport.Start.AddMinutes(5), issued.ExpiresAt);
        var jwt = new JsonWebToken(issued.AccessToken);
        Assert.Equal(TokenTypes.AccessTokenJwtType, jwt.Typ);
        Assert.Equal(SecurityAlgorithms.EcdsaSha256, jwt.Alg);
        Assert.Equal(Key.KeyId, jwt.Kid);
        Assert.Equal(issued.Jti, jwt.Id);

        var result = await IntrospectAsync(tokens, issued.AccessToken);

        Assert.True(result.Active);
        var token = Assert.IsType<ActiveToken>(result.Token);
        Assert.Equal(issued.Jti, token.Jti);
        Assert.Equal(SpecSupport.Issuer, token.Issuer);
        Assert.Equal([SpecSupport.Issuer], token.Audiences);
        Assert.Equal("billing", token.Subject);
        Assert.Equal("billing", token.ClientId);
        Assert.Equal("read write", token.Scope);
        Assert.Equal(SpecSupport.Start, token.IssuedAt);
        Assert.Equal(issued.ExpiresAt, token.ExpiresAt);
        Assert.True(token.HasScope("write"));
    }

    [Fact]
    public async Task TokenActor_must_sign_tokens_any_holder_of_the_public_key_can_verify()
    {
        var tokens = await StartReadyTokenActorAsync();
        var issued = await IssueAsync(tokens);
        tokens.Tell(GetJsonWebKeys.Instance, TestActor);
        var jwk = Assert.Single((await ExpectMsgAsync<CurrentJsonWebKeys>()).Keys);

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(issued.AccessToken, new TokenValidationParameters
        {
            ValidIssuer = SpecSupport.Issuer,
            ValidAudience = SpecSupport.Issuer,
            IssuerSigningKey = new JsonWebKey(System.Text.Json.JsonSerializer.Serialize(jwk)),
            ValidTypes = [TokenTypes.AccessTokenJwtType],
            ValidateLifetime = false,
        });

        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(Key.KeyId, jwk["kid"]);
        Assert.False(jwk.ContainsKey("d"));
    }

    [Fact]
    public async Task TokenActor_must_report_a_token_revoked_before_it_started_as_inactive()
    {
        var first = await StartReadyTokenActorAsync();
        var revoked = await IssueAsync(first);
        var kept = await IssueAsync(first);

        // A second token actor (a restarted node) learns of the revocation from the buckets only.
        var second = await StartReadyTokenActorAsync(new Dictionary<string, long> { [revoked.Jti] = revoked.ExpiresAt.ToUnixTimeSeconds() });

        Assert.Equal(IntrospectionResult.Inactive, await IntrospectAsync(second, revoked.AccessToken));
        Assert.True((await IntrospectAsync(second, kept.AccessToken)).Active);
    }

    [Fact]
    public async Task TokenActor_must_report_a_token_inactive_once_it_expires()
    {
        var tokens = await StartReadyTokenActorAsync();
        var issued = await IssueAsync(tokens);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.True((await IntrospectAsync(tokens, issued.AccessToken)).Active);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IntrospectionResult.Inactive, await IntrospectAsync(tokens, issued.AccessToken));

        // Revoking an expired token is accepted and records nothing.
        tokens.Tell(new RevokeToken(issued.AccessToken, null, "billing", SpecSupport.Context), TestActor);
        await ExpectMsgAsync<RevocationAccepted>();
        await ExpectNoRecordRevocationAsync();
    }

    [Fact]
    public async Task TokenActor_must_refuse_to_revoke_a_token_of_another_client()
    {
        var tokens = await StartReadyTokenActorAsync();
        var issued = await IssueAsync(tokens, "billing");

        tokens.Tell(new RevokeToken(issued.AccessToken, TokenTypes.AccessToken, "shipping", SpecSupport.Context), TestActor);

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.UnauthorizedClient, error.Error);
        await ExpectNoRecordRevocationAsync();
        Assert.True((await IntrospectAsync(tokens, issued.AccessToken)).Active);
    }

    [Fact]
    public async Task TokenActor_must_record_a_revocation_before_accepting_it()
    {
        var tokens = await StartReadyTokenActorAsync();
        var issued = await IssueAsync(tokens, "billing");
        var exp = issued.ExpiresAt.ToUnixTimeSeconds();

        tokens.Tell(new RevokeToken(issued.AccessToken, TokenTypes.AccessToken, "billing", SpecSupport.Context), TestActor);

        var record = (RecordRevocation)await _revocations.FishForMessageAsync(m => m is RecordRevocation);
        Assert.Equal(RecordRevocation.For(issued.Jti, exp, "billing"), record);
        Assert.Equal(RevocationBuckets.Of(issued.Jti), record.Bucket);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        _revocations.Reply(new RevocationRecorded(issued.Jti, exp));

        await ExpectMsgAsync<RevocationAccepted>();
        Assert.Equal(IntrospectionResult.Inactive, await IntrospectAsync(tokens, issued.AccessToken));
        // In the node's view, which every token actor of the node reads.
        Assert.True(_revoked.IsRevoked(issued.Jti));
    }

    [Fact]
    public async Task TokenActor_must_answer_temporarily_unavailable_when_the_revocation_cannot_be_recorded()
    {
        var tokens = await StartReadyTokenActorAsync(settings: SpecSupport.Settings(TimeSpan.FromMilliseconds(300)));
        var issued = await IssueAsync(tokens, "billing");

        tokens.Tell(new RevokeToken(issued.AccessToken, null, "billing", SpecSupport.Context), TestActor);
        await _revocations.FishForMessageAsync(m => m is RecordRevocation);

        await this.ExpectOAuthErrorAsync(Errors.TemporarilyUnavailable, FailureKind.Unavailable);
        // Not recorded, so not revoked.
        Assert.False(_revoked.IsRevoked(issued.Jti));
        Assert.True((await IntrospectAsync(tokens, issued.AccessToken)).Active);
    }

    [Fact]
    public async Task TokenActor_must_treat_a_revocation_the_node_learned_from_elsewhere_as_revoked()
    {
        var tokens = await StartReadyTokenActorAsync();
        var issued = await IssueAsync(tokens);
        Assert.True((await IntrospectAsync(tokens, issued.AccessToken)).Active);

        _revoked.Confirm(issued.Jti, issued.ExpiresAt.ToUnixTimeSeconds());

        Assert.Equal(IntrospectionResult.Inactive, await IntrospectAsync(tokens, issued.AccessToken));
    }

    [Fact]
    public async Task TokenActor_must_report_anything_it_did_not_sign_as_inactive()
    {
        var tokens = await StartReadyTokenActorAsync();
        var otherKey = SigningKeyMaterial.FromPem(SigningKeyMaterial.GeneratePem(SigningAlgorithm.ES256));
        var unsigned = new JsonWebTokenHandler().CreateToken(
            $$"""{"iss":"{{SpecSupport.Issuer}}","aud":"{{SpecSupport.Issuer}}","client_id":"billing","sub":"billing","jti":"x","iat":{{SpecSupport.Start.ToUnixTimeSeconds()}},"exp":{{SpecSupport.Start.AddMinutes(5).ToUnixTimeSeconds()}}}""");
        var issued = await IssueAsync(tokens);
        var tampered = issued.AccessToken[..^4] + (issued.AccessToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        string[] garbage =
        [
            string.Empty,
            "garbage",
            "a.b.c",
            "eyJhbGciOiJFUzI1NiJ9.e30.",
            unsigned,
            tampered,
            Forge(otherKey),
            Forge(Key, issuer: "https://evil.example.test"),
            Forge(Key, type: "JWT"),
            issued.AccessToken + new string('A', 8200),
        ];

        // A token signed with the right key and shape is active, so the rejections above are for the stated reason.
        Assert.True((await IntrospectAsync(tokens, Forge(Key))).Active);
        foreach (var token in garbage)
        {
            Assert.Equal(IntrospectionResult.Inactive, await IntrospectAsync(tokens, token));
        }

        tokens.Tell(new RevokeToken("garbage", null, "billing", SpecSupport.Context), TestActor);
        await ExpectMsgAsync<RevocationAccepted>();
        await ExpectNoRecordRevocationAsync();
    }

    [Fact]
    public async Task TokenActor_must_publish_token_events()
    {
        var tokens = await StartReadyTokenActorAsync();
        var issued = await IssueAsync(tokens);
        await IntrospectAsync(tokens, issued.AccessToken);

        var created = await _events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal(EventType.TokenCreated, created.Event.EventType);
        Assert.Equal("billing", created.Event.ClientId);
        var validated = await _events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal(EventType.TokenValidated, validated.Event.EventType);
        Assert.DoesNotContain(issued.AccessToken, EventJson.Serialize(created), StringComparison.Ordinal);
        Assert.DoesNotContain(issued.AccessToken, EventJson.Serialize(validated), StringComparison.Ordinal);
    }
}
