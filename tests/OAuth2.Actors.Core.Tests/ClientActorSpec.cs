using System.Reflection;
using System.Text;
using Akka.Cluster.Sharding;

namespace OAuth2.Actors.Core.Tests;

public class ClientActorSpec : PersistenceSpec
{
    private const string BootstrapScope = "admin events:read events:ingest";

    private readonly ServerSettings _settings = SpecSupport.Settings();
    private readonly TestProbe _shard;

    public ClientActorSpec(ITestOutputHelper output)
        : base(output)
    {
        // Stands in for the shard: the client entity's parent, which receives its Passivate requests.
        _shard = CreateTestProbe("shard");
    }

    private Task<IActorRef> StartClientAsync(string clientId, ClientCacheInvalidation? invalidation = null) =>
        _shard.ChildActorOfAsync(ClientActor.Props(clientId, _settings, _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"), invalidation));

    private async Task<ClientRegistrationResponse> RegisterAsync(IActorRef client, string clientId, ClientMetadata? metadata = null, bool privileged = false)
    {
        client.Tell(new RegisterClient(clientId, metadata ?? new ClientMetadata(ClientName: "Billing", Scope: "read write"), privileged, SpecSupport.Context), TestActor);
        var reply = await ExpectMsgAsync<ClientRegistrationSucceeded>();
        return reply.Response;
    }

    private async Task<BootstrapClientReady> EnsureBootstrapAsync(IActorRef client, string clientId, string secret)
    {
        client.Tell(new EnsureBootstrapClient(clientId, secret), TestActor);
        return await ExpectMsgAsync<BootstrapClientReady>();
    }

    private async Task<object> AuthenticateAsync(IActorRef client, string clientId, string? secret)
    {
        client.Tell(new AuthenticateClient(clientId, secret, ClientAuthMethods.ClientSecretBasic, SpecSupport.Context), TestActor);
        return await ExpectMsgAsync<object>();
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("update")]
    [InlineData("bootstrap")]
    public async Task ClientActor_must_clear_the_nodes_cached_authentication_before_it_answers_a_change(string change)
    {
        var cache = new ClientAuthenticationCache(TimeSpan.FromMinutes(1), _time);
        Sys.ActorOf(ClientCacheActor.Props(cache), ClientCacheActor.Name);
        var client = await StartClientAsync("billing", new ClientCacheInvalidation(TimeSpan.FromSeconds(3)));
        var secret = change == "bootstrap" ? "bootstrap-secret-0123456789abcdefghij" : (await RegisterAsync(client, "billing")).ClientSecret!;
        if (change == "bootstrap")
        {
            await EnsureBootstrapAsync(client, "billing", secret);
        }

        var authenticated = Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(client, "billing", secret));
        cache.Remember("billing", secret, authenticated.Client, cache.Epoch);
        var admin = new ClientManagementAccess(null, Admin: true);

        object command = change switch
        {
            "delete" => new DeleteClient("billing", admin, SpecSupport.Context),
            "update" => new UpdateClientConfiguration("billing", admin, new ClientMetadata(ClientName: "Renamed", Scope: "read"), "billing", null, SpecSupport.Context),
            _ => new EnsureBootstrapClient("billing", "another-bootstrap-secret-0123456789ab"),
        };
        client.Tell(command, TestActor);
        await ExpectMsgAsync<object>(m => m is ClientDeleted or ClientConfiguration or BootstrapClientReady);

        Assert.Null(cache.TryAuthenticate("billing", secret));
    }

    [Fact]
    public async Task ClientActor_must_register_a_client_and_authenticate_it_with_the_issued_secret()
    {
        var client = await StartClientAsync("billing");

        var response = await RegisterAsync(client, "billing");

        Assert.Equal("billing", response.ClientId);
        Assert.NotNull(response.ClientSecret);
        Assert.NotNull(response.RegistrationAccessToken);
        Assert.NotEqual(response.ClientSecret, response.RegistrationAccessToken);
        Assert.Equal(SpecSupport.Start.ToUnixTimeSeconds(), response.ClientIdIssuedAt);
        Assert.Equal(0, response.ClientSecretExpiresAt);
        Assert.Equal($"{SpecSupport.Issuer}/clients/billing", response.RegistrationClientUri);
        Assert.Equal(ClientAuthMethods.ClientSecretBasic, response.TokenEndpointAuthMethod);
        Assert.Equal([GrantTypes.ClientCredentials], response.GrantTypes);
        Assert.Equal("read write", response.Scope);
        Assert.Equal("Billing", response.ClientName);

        var reply = await AuthenticateAsync(client, "billing", response.ClientSecret);

        var authenticated = Assert.IsType<ClientAuthenticated>(reply);
        Assert.Equal("billing", authenticated.Client.ClientId);
        Assert.Equal("read write", authenticated.Client.Scope);
        Assert.Equal(ClientAuthMethods.ClientSecretBasic, authenticated.Client.TokenEndpointAuthMethod);
        Assert.True(authenticated.Client.AllowsGrant(GrantTypes.ClientCredentials));
    }

    [Fact]
    public async Task ClientActor_must_refuse_a_wrong_or_missing_secret()
    {
        var client = await StartClientAsync("billing");
        var response = await RegisterAsync(client, "billing");

        var wrong = Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(client, "billing", response.ClientSecret + "x"));
        Assert.Equal("billing", wrong.ClientId);
        Assert.Equal(ClientAuthenticationFailure.WrongSecret, wrong.Reason);

        var missing = Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(client, "billing", null));
        Assert.Equal(ClientAuthenticationFailure.MissingSecret, missing.Reason);

        // The registration access token is not a client secret.
        Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(client, "billing", response.RegistrationAccessToken));
    }

    [Fact]
    public async Task ClientActor_must_keep_the_client_across_a_restart()
    {
        var client = await StartClientAsync("billing");
        var response = await RegisterAsync(client, "billing");
        await SpecSupport.StopAndWaitAsync(this, client);

        var recovered = await StartClientAsync("billing");

        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(recovered, "billing", response.ClientSecret));
        Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(recovered, "billing", "not-the-secret"));
        recovered.Tell(new GetClient("billing"), TestActor);
        var current = await ExpectMsgAsync<CurrentClient>();
        Assert.Equal("billing", current.ClientId);
        Assert.NotNull(current.Client);
        Assert.Equal("Billing", current.Client.ClientName);
        Assert.Equal("read write", current.Client.Scope);
        await _shard.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task ClientActor_must_refuse_a_second_registration_for_the_same_id()
    {
        var client = await StartClientAsync("billing");
        var first = await RegisterAsync(client, "billing");

        client.Tell(new RegisterClient("billing", new ClientMetadata(ClientName: "Impostor", Scope: "read"), false, SpecSupport.Context), TestActor);

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.InvalidClientMetadata, error.Error);
        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(client, "billing", first.ClientSecret));
        Assert.Single(await SpecSupport.JournalEventsAsync(this, "client-billing"));
    }

    [Fact]
    public async Task ClientActor_must_refuse_invalid_metadata_persist_nothing_and_ask_to_be_passivated()
    {
        var client = await StartClientAsync("billing");

        client.Tell(new RegisterClient("billing", new ClientMetadata(RedirectUris: ["http://app.example.com/cb"], GrantTypes: [GrantTypes.ClientCredentials]), false, SpecSupport.Context), TestActor);

        var error = await ExpectMsgAsync<OAuthError>();
        Assert.Equal(Errors.InvalidRedirectUri, error.Error);
        var passivate = await _shard.ExpectMsgAsync<Passivate>();
        Assert.Equal(StopEntity.Instance, passivate.StopMessage);
        Assert.Empty(await SpecSupport.JournalEventsAsync(this, "client-billing"));
    }

    [Fact]
    public async Task ClientActor_must_refuse_reserved_scopes_unless_the_registration_is_privileged()
    {
        var client = await StartClientAsync("operator");

        client.Tell(new RegisterClient("operator", new ClientMetadata(Scope: Scopes.Admin), false, SpecSupport.Context), TestActor);
        Assert.Equal(Errors.InvalidClientMetadata, (await ExpectMsgAsync<OAuthError>()).Error);

        var response = await RegisterAsync(client, "operator", new ClientMetadata(Scope: Scopes.Admin), privileged: true);
        Assert.Equal(Scopes.Admin, response.Scope);
    }

    [Fact]
    public async Task ClientActor_must_refuse_an_unknown_client_and_ask_to_be_passivated()
    {
        var client = await StartClientAsync("nobody");

        var failed = Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(client, "nobody", "anything"));

        Assert.Equal("nobody", failed.ClientId);
        Assert.Equal(ClientAuthenticationFailure.UnknownClient, failed.Reason);
        var passivate = await _shard.ExpectMsgAsync<Passivate>();
        Assert.Equal(StopEntity.Instance, passivate.StopMessage);

        client.Tell(new GetClient("nobody"), TestActor);
        Assert.Null((await ExpectMsgAsync<CurrentClient>()).Client);
    }

    [Fact]
    public async Task ClientActor_must_create_the_bootstrap_client_then_replace_its_secret()
    {
        var client = await StartClientAsync("admin");

        Assert.Equal("admin", (await EnsureBootstrapAsync(client, "admin", "first-secret")).ClientId);
        var created = Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(client, "admin", "first-secret"));
        Assert.Equal(BootstrapScope, created.Client.Scope);
        Assert.Equal([GrantTypes.ClientCredentials], created.Client.GrantTypes);
        Assert.Equal(ClientAuthMethods.ClientSecretBasic, created.Client.TokenEndpointAuthMethod);

        await EnsureBootstrapAsync(client, "admin", "second-secret");

        Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(client, "admin", "first-secret"));
        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(client, "admin", "second-secret"));

        // Ensuring the same secret again changes nothing.
        await EnsureBootstrapAsync(client, "admin", "second-secret");
        var events = await SpecSupport.JournalEventsAsync(this, "client-admin");
        Assert.Collection(events, e => Assert.IsType<ClientCreated>(e), e => Assert.IsType<ClientCredentialsReplaced>(e));

        // And the replacement is what recovery sees.
        await SpecSupport.StopAndWaitAsync(this, client);
        var recovered = await StartClientAsync("admin");
        Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(recovered, "admin", "first-secret"));
        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(recovered, "admin", "second-secret"));
    }

    [Fact]
    public async Task ClientActor_must_turn_an_existing_client_into_the_bootstrap_client_keeping_its_registration()
    {
        var client = await StartClientAsync("admin");
        var registered = await RegisterAsync(client, "admin");

        await EnsureBootstrapAsync(client, "admin", "operator-secret");

        Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(client, "admin", registered.ClientSecret));
        var authenticated = Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(client, "admin", "operator-secret"));
        Assert.Equal(BootstrapScope, authenticated.Client.Scope);
        Assert.Equal("Billing", authenticated.Client.ClientName);
    }

    [Fact]
    public async Task ClientActor_must_never_persist_a_secret_in_clear()
    {
        var client = await StartClientAsync("billing");
        var response = await RegisterAsync(client, "billing");
        await EnsureBootstrapAsync(client, "billing", "bootstrap-secret-in-clear");

        var events = await SpecSupport.JournalEventsAsync(this, "client-billing");

        Assert.Equal(2, events.Count);
        var createdRecord = Assert.IsType<ClientCreated>(events[0]).Client;
        Assert.True(Secrets.Verify(response.ClientSecret, createdRecord.SecretHash));
        Assert.True(Secrets.Verify(response.RegistrationAccessToken, createdRecord.RegistrationTokenHash));
        var replacedRecord = Assert.IsType<ClientCredentialsReplaced>(events[1]).Client;
        Assert.True(Secrets.Verify("bootstrap-secret-in-clear", replacedRecord.SecretHash));

        string[] secrets = [response.ClientSecret!, response.RegistrationAccessToken!, "bootstrap-secret-in-clear"];
        foreach (var e in events)
        {
            var strings = StringsOf(e is ClientCreated c ? c.Client : ((ClientCredentialsReplaced)e).Client).ToArray();
            Assert.NotEmpty(strings);
            var serialized = Encoding.UTF8.GetString(Sys.Serialization.FindSerializerFor(e).ToBinary(e));
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(strings, s => s.Contains(secret, StringComparison.Ordinal));
                Assert.DoesNotContain(secret, serialized, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task ClientActor_must_publish_registration_and_validation_events_without_secrets()
    {
        var client = await StartClientAsync("billing");
        var response = await RegisterAsync(client, "billing");
        await AuthenticateAsync(client, "billing", response.ClientSecret);
        await AuthenticateAsync(client, "billing", "wrong-secret-value");

        var envelopes = new List<EventEnvelope>();
        for (var i = 0; i < 3; i++)
        {
            envelopes.Add(await _events.ExpectMsgAsync<EventEnvelope>());
        }

        Assert.Collection(
            envelopes,
            e => Assert.Equal(EventType.ClientRegistered, e.Event.EventType),
            e =>
            {
                Assert.Equal(EventType.ClientValidated, e.Event.EventType);
                Assert.Null(e.Event.Error);
            },
            e =>
            {
                Assert.Equal(EventType.ClientValidated, e.Event.EventType);
                Assert.Equal(Errors.InvalidClient, e.Event.Error);
            });
        Assert.All(envelopes, e =>
        {
            Assert.Equal("billing", e.Event.ClientId);
            Assert.Equal(SpecSupport.Context.CorrelationId, e.CorrelationId);
            var json = EventJson.Serialize(e);
            Assert.DoesNotContain(response.ClientSecret!, json, StringComparison.Ordinal);
            Assert.DoesNotContain(response.RegistrationAccessToken!, json, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-secret-value", json, StringComparison.Ordinal);
        });
    }

    /// <summary>Every string a record holds, in properties or in string arrays.</summary>
    private static IEnumerable<string> StringsOf(ClientRecord record)
    {
        foreach (var property in typeof(ClientRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            switch (property.GetValue(record))
            {
                case string s:
                    yield return s;
                    break;
                case IEnumerable<string> many:
                    foreach (var s in many)
                    {
                        yield return s;
                    }

                    break;
            }
        }
    }

    [Fact]
    public async Task ClientActor_must_refuse_a_method_other_than_the_registered_one_after_checking_the_secret()
    {
        var client = await StartClientAsync("billing");
        var secret = (await RegisterAsync(client, "billing")).ClientSecret!;

        client.Tell(new AuthenticateClient("billing", secret, ClientAuthMethods.ClientSecretPost, SpecSupport.Context), TestActor);
        Assert.Equal(ClientAuthenticationFailure.WrongAuthMethod, (await ExpectMsgAsync<ClientAuthenticationFailed>()).Reason);

        // A wrong secret is a wrong secret whatever the method: the method is not a hint that the secret was right.
        client.Tell(new AuthenticateClient("billing", "wrong", ClientAuthMethods.ClientSecretPost, SpecSupport.Context), TestActor);
        Assert.Equal(ClientAuthenticationFailure.WrongSecret, (await ExpectMsgAsync<ClientAuthenticationFailed>()).Reason);
    }

    [Fact]
    public async Task ClientActor_must_refuse_a_scope_outside_the_allow_list_for_an_open_registration_only()
    {
        var privileged = await StartClientAsync("privileged");
        var response = await RegisterAsync(privileged, "privileged", new ClientMetadata(Scope: "read payments:transfer"), privileged: true);
        Assert.Equal("read payments:transfer", response.Scope);

        var client = await StartClientAsync("open");
        client.Tell(new RegisterClient("open", new ClientMetadata(Scope: "read payments:transfer"), Privileged: false, SpecSupport.Context), TestActor);
        Assert.Equal(Errors.InvalidClientMetadata, (await ExpectMsgAsync<OAuthError>()).Error);
    }

    [Fact]
    public async Task ClientActor_must_expire_an_openly_registered_client_that_never_authenticated()
    {
        var sweeper = CreateTestProbe();
        var settings = _settings with { UnusedClientTtl = TimeSpan.FromHours(1) };
        var publisher = new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec");
        var unused = await _shard.ChildActorOfAsync(ClientActor.Props("unused", settings, _time, publisher, unusedClients: sweeper.Ref));
        var used = await _shard.ChildActorOfAsync(ClientActor.Props("used", settings, _time, publisher, unusedClients: sweeper.Ref));
        await RegisterAsync(unused, "unused");
        Assert.Equal("unused", (await sweeper.ExpectMsgAsync<TrackOpenRegistration>()).ClientId);
        var secret = (await RegisterAsync(used, "used")).ClientSecret!;
        await sweeper.ExpectMsgAsync<TrackOpenRegistration>();
        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(used, "used", secret));

        // Not yet: an hour has not passed.
        unused.Tell(new ExpireUnusedClient("unused"), TestActor);
        Assert.False((await ExpectMsgAsync<UnusedClientChecked>()).Removed);

        _time.Advance(TimeSpan.FromHours(1));
        unused.Tell(new ExpireUnusedClient("unused"), TestActor);
        Assert.True((await ExpectMsgAsync<UnusedClientChecked>()).Removed);
        used.Tell(new ExpireUnusedClient("used"), TestActor);
        Assert.False((await ExpectMsgAsync<UnusedClientChecked>()).Removed);

        unused.Tell(new GetClient("unused"), TestActor);
        Assert.Null((await ExpectMsgAsync<CurrentClient>()).Client);
        used.Tell(new GetClient("used"), TestActor);
        Assert.NotNull((await ExpectMsgAsync<CurrentClient>()).Client);
    }

    [Fact]
    public async Task ClientActor_must_remember_across_a_restart_that_an_open_client_was_used()
    {
        var settings = _settings with { UnusedClientTtl = TimeSpan.FromHours(1) };
        var publisher = new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec");
        var client = await _shard.ChildActorOfAsync(ClientActor.Props("used", settings, _time, publisher));
        var secret = (await RegisterAsync(client, "used")).ClientSecret!;
        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(client, "used", secret));
        await WatchAsync(client);
        client.Tell(StopEntity.Instance);
        await ExpectTerminatedAsync(client);

        _time.Advance(TimeSpan.FromHours(2));
        var restarted = await _shard.ChildActorOfAsync(ClientActor.Props("used", settings, _time, publisher));
        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(restarted, "used", secret));
    }
}
