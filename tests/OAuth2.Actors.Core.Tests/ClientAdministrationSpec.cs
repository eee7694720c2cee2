namespace OAuth2.Actors.Core.Tests;

/// <summary>The client entity's administration (disable, enable, describe) and the directory that lists every client.</summary>
public class ClientAdministrationSpec : PersistenceSpec
{
    private readonly ServerSettings _settings = SpecSupport.Settings();
    private readonly TestProbe _shard;

    public ClientAdministrationSpec(ITestOutputHelper output)
        : base(output)
    {
        _shard = CreateTestProbe("shard");
    }

    private Task<IActorRef> StartClientAsync(string clientId, IActorRef? directory = null) =>
        _shard.ChildActorOfAsync(ClientActor.Props(clientId, _settings, _time, new EventPublisher(SpecSupport.EnvelopesTo(Sys, _events), _time, "spec"), directory: directory));

    private async Task<ClientRegistrationResponse> RegisterAsync(IActorRef client, string clientId, string name = "Billing")
    {
        client.Tell(new RegisterClient(clientId, new ClientMetadata(ClientName: name, Scope: "read write"), false, SpecSupport.Context), TestActor);
        return (await ExpectMsgAsync<ClientRegistrationSucceeded>()).Response;
    }

    private async Task<object> AuthenticateAsync(IActorRef client, string clientId, string? secret)
    {
        client.Tell(new AuthenticateClient(clientId, secret, ClientAuthMethods.ClientSecretBasic, SpecSupport.Context), TestActor);
        return await ExpectMsgAsync<object>();
    }

    private async Task<ClientSummary?> SetDisabledAsync(IActorRef client, string clientId, bool disabled)
    {
        client.Tell(new SetClientDisabled(clientId, disabled, SpecSupport.Context), TestActor);
        return (await ExpectMsgAsync<ClientDescription>()).Client;
    }

    private async Task<ClientPage> PageAsync(IActorRef directory, string? query = null, string? after = null, int limit = 50)
    {
        directory.Tell(new GetClients(query, after, limit), TestActor);
        return await ExpectMsgAsync<ClientPage>();
    }

    [Fact]
    public async Task ClientActor_must_refuse_a_disabled_client_across_a_restart_until_it_is_enabled_again()
    {
        var client = await StartClientAsync("billing");
        var secret = (await RegisterAsync(client, "billing")).ClientSecret;
        await _events.ExpectMsgAsync<EventEnvelope>(); // client_registered

        Assert.True((await SetDisabledAsync(client, "billing", true))!.Disabled);
        var updated = await _events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal(EventType.ClientUpdated, updated.Event.EventType);
        Assert.Equal("disabled", updated.Event.Metadata["change"]);
        Assert.Equal(EventSeverity.Warning, updated.Event.Severity);

        var refused = Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(client, "billing", secret));
        Assert.Equal(ClientAuthenticationFailure.Disabled, refused.Reason);
        var validated = await _events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("client disabled", validated.Event.Metadata["reason"]);
        client.Tell(new GetClient("billing"), TestActor);
        Assert.True((await ExpectMsgAsync<CurrentClient>()).Client!.Disabled);

        await SpecSupport.StopAndWaitAsync(this, client);
        var recovered = await StartClientAsync("billing");
        Assert.IsType<ClientAuthenticationFailed>(await AuthenticateAsync(recovered, "billing", secret));
        await _events.ExpectMsgAsync<EventEnvelope>();

        // Disabling twice changes nothing (no second event); enabling (once the second it was disabled in is over, so
        // that the cut-off of its revoked tokens covers none issued later) lets it authenticate again.
        Assert.True((await SetDisabledAsync(recovered, "billing", true))!.Disabled);
        Assert.Equal(SpecSupport.Start.ToUnixTimeSeconds(), (await SetDisabledAsync(recovered, "billing", true))!.DisabledAt);

        // Not before the cut-off of its revoked tokens (what a node could still have issued after the disable) is over.
        var cutOff = _settings.ClientTokenCutOff(SpecSupport.Start.ToUnixTimeSeconds());
        recovered.Tell(new SetClientDisabled("billing", false, SpecSupport.Context), TestActor);
        Assert.Equal(cutOff + 1, (await ExpectMsgAsync<ClientEnableTooEarly>()).NotBeforeUnix);
        _time.Advance(DateTimeOffset.FromUnixTimeSeconds(cutOff + 1) - _time.GetUtcNow());
        Assert.False((await SetDisabledAsync(recovered, "billing", false))!.Disabled);
        var enabled = await _events.ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("enabled", enabled.Event.Metadata["change"]);
        Assert.IsType<ClientAuthenticated>(await AuthenticateAsync(recovered, "billing", secret));
    }

    [Fact]
    public async Task ClientActor_must_keep_a_disabled_bootstrap_client_disabled_when_its_secret_changes()
    {
        var client = await StartClientAsync("admin");
        client.Tell(new EnsureBootstrapClient("admin", "bootstrap-secret-0123456789abcdefghij"), TestActor);
        await ExpectMsgAsync<BootstrapClientReady>();
        Assert.True((await SetDisabledAsync(client, "admin", true))!.Disabled);

        client.Tell(new EnsureBootstrapClient("admin", "another-bootstrap-secret-0123456789ab"), TestActor);
        await ExpectMsgAsync<BootstrapClientReady>();

        client.Tell(new AuthenticateClient("admin", "another-bootstrap-secret-0123456789ab", ClientAuthMethods.ClientSecretBasic, SpecSupport.Context), TestActor);
        Assert.Equal(ClientAuthenticationFailure.Disabled, (await ExpectMsgAsync<ClientAuthenticationFailed>()).Reason);
    }

    [Fact]
    public async Task ClientActor_must_answer_an_unknown_client_with_no_description_and_persist_nothing()
    {
        var client = await StartClientAsync("nobody");
        Assert.Null(await SetDisabledAsync(client, "nobody", true));
        client.Tell(new DescribeClient("nobody"), TestActor);
        Assert.Null((await ExpectMsgAsync<ClientDescription>()).Client);
        await _events.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task ClientActor_must_list_every_change_in_the_directory_before_it_answers()
    {
        var directory = Sys.ActorOf(ClientDirectoryActor.Props());
        var client = await StartClientAsync("billing", directory);
        await RegisterAsync(client, "billing");
        var listed = Assert.Single((await PageAsync(directory)).Clients);
        Assert.Equal(("billing", "Billing", false), (listed.ClientId, listed.ClientName, listed.Disabled));

        client.Tell(new UpdateClientConfiguration("billing", new ClientManagementAccess(null, Admin: true), new ClientMetadata(ClientName: "Invoices", Scope: "read"), "billing", null, SpecSupport.Context), TestActor);
        await ExpectMsgAsync<ClientConfiguration>();
        Assert.Equal("Invoices", Assert.Single((await PageAsync(directory)).Clients).ClientName);

        await SetDisabledAsync(client, "billing", true);
        Assert.True(Assert.Single((await PageAsync(directory)).Clients).Disabled);

        client.Tell(new DeleteClient("billing", new ClientManagementAccess(null, Admin: true), SpecSupport.Context), TestActor);
        await ExpectMsgAsync<ClientDeleted>();
        Assert.Empty((await PageAsync(directory)).Clients);
    }

    [Fact]
    public async Task ClientDirectory_must_page_in_client_id_order_search_ids_and_names_and_recover_its_listing()
    {
        var directory = Sys.ActorOf(ClientDirectoryActor.Props());
        foreach (var (id, name) in new[] { ("c3", "Gamma"), ("c1", "Alpha"), ("c5", null), ("c2", "Beta app"), ("c4", "Delta") })
        {
            directory.Tell(new ListClient(new ClientSummary(id, name, [], ["client_credentials"], [], "client_secret_basic", "read", 1, false, null, false)), TestActor);
            await ExpectMsgAsync<ClientListingUpdated>();
        }

        directory.Tell(new UnlistClient("c4"), TestActor);
        await ExpectMsgAsync<ClientListingUpdated>();

        var first = await PageAsync(directory, limit: 2);
        Assert.Equal(["c1", "c2"], first.Clients.Select(c => c.ClientId));
        Assert.Equal((4, "c2"), (first.Matching, first.NextAfter));
        var second = await PageAsync(directory, after: first.NextAfter, limit: 2);
        Assert.Equal(["c3", "c5"], second.Clients.Select(c => c.ClientId));
        Assert.Null(second.NextAfter);

        var search = await PageAsync(directory, query: "APP");
        Assert.Equal(("c2", 1), (Assert.Single(search.Clients).ClientId, search.Matching));
        Assert.Equal("c5", Assert.Single((await PageAsync(directory, query: "c5")).Clients).ClientId);

        await SpecSupport.StopAndWaitAsync(this, directory);
        var recovered = Sys.ActorOf(ClientDirectoryActor.Props());
        Assert.Equal(["c1", "c2", "c3", "c5"], (await PageAsync(recovered)).Clients.Select(c => c.ClientId));
    }
}
