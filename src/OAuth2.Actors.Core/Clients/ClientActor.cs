using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Clients;

/// <summary>
/// One registered client, addressed by id through Akka.Cluster.Sharding and kept in the journal. It owns the
/// client rules: metadata validation, secret generation (shown once, stored as a salted hash) and authentication.
/// </summary>
public sealed partial class ClientActor : ReceivePersistentActor
{
    private readonly string _clientId;
    private readonly ServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly EventPublisher _events;
    private readonly ClientCacheInvalidation _invalidation;
    private readonly IActorRef _unusedClients;
    private readonly IActorRef _directory;
    private readonly UnknownIdCache _unknownIds;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ClientRecord? _state;
    private ClientRecord? _viewOf;
    private ClientView? _view;

    public ClientActor(string clientId, ServerSettings settings, TimeProvider time, EventPublisher events, ClientCacheInvalidation invalidation, IActorRef unusedClients, UnknownIdCache? unknownIds = null, IActorRef? directory = null)
    {
        _directory = directory ?? ActorRefs.Nobody;
        _unknownIds = unknownIds ?? UnknownIdCache.Disabled;
        _clientId = clientId;
        _settings = settings;
        _time = time;
        _events = events;
        _invalidation = invalidation;
        _unusedClients = unusedClients;

        Recover<ClientCreated>(e => _state = e.Client);
        Recover<ClientCredentialsReplaced>(e => _state = e.Client);
        Recover<ClientMetadataReplaced>(e => _state = e.Client);
        Recover<ClientRemoved>(_ => _state = null);
        Recover<ClientFirstAuthenticated>(e => _state = _state is null ? null : _state with { FirstAuthenticatedAt = e.At });
        Recover<ClientStatusChanged>(e => _state = _state is null ? null : Changed(_state, e));
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is ClientRecord record)
            {
                _state = record;
            }
        });

        Command<AuthenticateClient>(Authenticate);
        Command<StopEntity>(_ => Context.Stop(Self));
        Command<GetClient>(_ =>
        {
            Sender.Tell(new CurrentClient(_clientId, Current?.ToView()));
            PassivateIfEmpty();
        });
        Command<ExpireUnusedClient>(Expire);
        Command<RegisterClient>(Register);
        Command<EnsureBootstrapClient>(EnsureBootstrap);
        Command<ReadClientConfiguration>(r =>
        {
            if (Denied(r.Access) is { } denied)
            {
                Sender.Tell(denied);
                return;
            }

            Sender.Tell(new ClientConfiguration(Configuration(_state!)));
        });
        Command<UpdateClientConfiguration>(Update);
        Command<DeleteClient>(Delete);
        Command<SetClientDisabled>(SetDisabled);
        Command<DescribeClient>(_ =>
        {
            Sender.Tell(new ClientDescription(_clientId, Current?.ToSummary()));
            PassivateIfEmpty();
        });
        Command<DeleteMessagesSuccess>(_ => PassivateIfEmpty());
        Command<DeleteMessagesFailure>(f => _log.Warning("Could not delete the journal of expired client {ClientId}: {Error}", _clientId, f.Cause.Message));
    }

    public override string PersistenceId => PersistenceIds.For("client-", _clientId);

    /// <param name="unusedClients">The <see cref="UnusedClientSweeper"/> told of every open registration while unused clients expire; null: none.</param>
    /// <param name="directory">The <see cref="ClientDirectoryActor"/> that lists every client; null: none (specs).</param>
    public static Props Props(string clientId, ServerSettings settings, TimeProvider time, EventPublisher events, ClientCacheInvalidation? invalidation = null, IActorRef? unusedClients = null, UnknownIdCache? unknownIds = null, IActorRef? directory = null) =>
        Akka.Actor.Props.Create(() => new ClientActor(clientId, settings, time, events, invalidation ?? ClientCacheInvalidation.None, unusedClients ?? ActorRefs.Nobody, unknownIds, directory));

    /// <summary>The client, unless it expired unused (then it is removed, and answered as unknown from now on).</summary>
    private ClientRecord? Current
    {
        get
        {
            if (_state is { } state && state.IsUnusedPast(_settings.UnusedClientTtl, _time.GetUtcNow()))
            {
                Self.Tell(new ExpireUnusedClient(_clientId));
                return null;
            }

            return _state;
        }
    }

    private void Authenticate(AuthenticateClient command)
    {
        var state = Current;
        ClientAuthenticationFailure? failure = state switch
        {
            null => ClientAuthenticationFailure.UnknownClient,
            { Disabled: true } => ClientAuthenticationFailure.Disabled,
            { IsConfidential: false } => command.Secret is null ? null : ClientAuthenticationFailure.PublicClientPresentedSecret,
            _ when command.Secret is null => ClientAuthenticationFailure.MissingSecret,
            // Checked after the secret would be, so a wrong method does not tell whether the secret was right.
            _ when !Secrets.Verify(command.Secret, state.SecretHash) => ClientAuthenticationFailure.WrongSecret,
            _ when command.Method != state.TokenEndpointAuthMethod => ClientAuthenticationFailure.WrongAuthMethod,
            _ => null,
        };

        if (failure is null)
        {
            ClientAuthenticationEvents.Succeeded(_events, command.Context, _clientId, command.Method);
            Sender.Tell(new ClientAuthenticated(View(state!)));
            if (state!.OpenlyRegistered && state.FirstAuthenticatedAt is null && _settings.UnusedClientTtl > TimeSpan.Zero)
            {
                // Once: from now on the client is in use and never expires unused. In use at once, not when the journal
                // has the event: an expiry check that arrives before the write completes must not remove it.
                var used = new ClientFirstAuthenticated(_clientId, _time.GetUtcNow().ToUnixTimeSeconds());
                _state = state with { FirstAuthenticatedAt = used.At };
                PersistAsync(used, _ => _directory.Tell(new ListClient(_state.ToSummary())));
            }

            return;
        }

        _events.Publish(EventType.ClientValidated, command.Context, _clientId, metadata: new Dictionary<string, string>
        {
            ["success"] = "false",
            ["auth_method"] = command.Method,
            ["reason"] = failure.Value.Describe(),
        }, severity: EventSeverity.Warning, error: Errors.InvalidClient);
        Sender.Tell(new ClientAuthenticationFailed(_clientId, failure.Value));
        PassivateIfEmpty();
    }

    /// <summary>The view of the current record, built once per record (records are immutable: a change is a new one).</summary>
    private ClientView View(ClientRecord record)
    {
        if (!ReferenceEquals(record, _viewOf) || _view is null)
        {
            _view = record.ToView();
            _viewOf = record;
        }

        return _view;
    }

    private void Register(RegisterClient command)
    {
        if (_state is not null)
        {
            // Ids are 128 random bits, so this is a bug or an attack, not a race worth resolving.
            Sender.Tell(new OAuthError(Errors.InvalidClientMetadata, "client_id already in use; retry the registration."));
            return;
        }

        var (metadata, error) = ClientMetadataValidator.Validate(
            command.Metadata, _settings.DefaultClientScope, command.Privileged, _settings.SupportedGrantTypes, _settings.OpenRegistrationScopes);
        if (error is not null || metadata is null)
        {
            Sender.Tell(error!);
            PassivateIfEmpty();
            return;
        }

        var confidential = metadata.TokenEndpointAuthMethod != ClientAuthMethods.None;
        var secret = confidential ? Secrets.NewSecret() : null;
        var registrationToken = Secrets.NewSecret();
        var issuedAt = _time.GetUtcNow().ToUnixTimeSeconds();
        var record = new ClientRecord(
            _clientId,
            metadata.ClientName,
            metadata.RedirectUris,
            metadata.GrantTypes,
            metadata.ResponseTypes,
            metadata.TokenEndpointAuthMethod,
            metadata.Scope,
            secret is null ? null : Secrets.Hash(secret),
            Secrets.Hash(registrationToken),
            issuedAt,
            OpenlyRegistered: !command.Privileged);

        var replyTo = Sender;
        Persist(new ClientCreated(record), e =>
        {
            _state = e.Client;
            _log.Info("Client {ClientId} registered ({AuthMethod}, grants {GrantTypes}, correlation {CorrelationId})",
                _clientId, record.TokenEndpointAuthMethod, string.Join(",", record.GrantTypes), command.Context.CorrelationId);
            _events.Publish(EventType.ClientRegistered, command.Context, _clientId, metadata: new Dictionary<string, string>
            {
                ["client_name"] = record.ClientName ?? string.Empty,
                ["grant_types"] = string.Join(" ", record.GrantTypes),
                ["token_endpoint_auth_method"] = record.TokenEndpointAuthMethod,
                ["scope"] = record.Scope,
                ["redirect_uris"] = string.Join(" ", record.RedirectUris),
                ["privileged"] = command.Privileged ? "true" : "false",
            });
            if (record.OpenlyRegistered && _settings.UnusedClientTtl > TimeSpan.Zero)
            {
                _unusedClients.Tell(new TrackOpenRegistration(_clientId, issuedAt));
            }

            AnswerOnceForgotten(replyTo, new ClientRegistrationSucceeded(new ClientRegistrationResponse(
                _clientId,
                secret,
                issuedAt,
                0,
                registrationToken,
                _settings.RegistrationClientUri(_clientId),
                record.RedirectUris,
                record.GrantTypes,
                record.ResponseTypes,
                record.TokenEndpointAuthMethod,
                record.Scope,
                record.ClientName)), invalidate: false, listing: new ListClient(record.ToSummary()));
        });
    }

    private void EnsureBootstrap(EnsureBootstrapClient command)
    {
        var replyTo = Sender;
        if (_state is not null && Secrets.Verify(command.Secret, _state.SecretHash) && _state.Scope == BootstrapScope
            && _state.AllowsGrant(GrantTypes.ClientCredentials))
        {
            replyTo.Tell(new BootstrapClientReady(_clientId));
            return;
        }

        var record = new ClientRecord(
            _clientId,
            _state?.ClientName ?? "Bootstrap admin client",
            [],
            [GrantTypes.ClientCredentials],
            [],
            ClientAuthMethods.ClientSecretBasic,
            BootstrapScope,
            Secrets.Hash(command.Secret),
            _state?.RegistrationTokenHash,
            _state?.IssuedAt ?? _time.GetUtcNow().ToUnixTimeSeconds())
        {
            // A new secret does not enable a client an admin disabled.
            Disabled = _state?.Disabled ?? false,
            DisabledAt = _state?.DisabledAt,
        };

        IClientEvent e = _state is null ? new ClientCreated(record) : new ClientCredentialsReplaced(record);
        Persist(e, _ =>
        {
            _state = record;
            _log.Info("Bootstrap admin client {ClientId} created or updated", _clientId);
            _events.Publish(EventType.ClientRegistered, RequestContext.Internal(Guid.NewGuid().ToString()), _clientId, metadata: new Dictionary<string, string>
            {
                ["client_name"] = record.ClientName ?? string.Empty,
                ["grant_types"] = string.Join(" ", record.GrantTypes),
                ["token_endpoint_auth_method"] = record.TokenEndpointAuthMethod,
                ["scope"] = record.Scope,
                ["bootstrap"] = "true",
                ["updated"] = e is ClientCredentialsReplaced ? "true" : "false",
            });
            // A configured id may have been asked for (and remembered as unknown by a node) before it existed.
            AnswerOnceForgotten(replyTo, new BootstrapClientReady(_clientId), created: e is ClientCreated, listing: new ListClient(record.ToSummary()));
        });
    }

    private void Expire(ExpireUnusedClient command)
    {
        var replyTo = Sender == Self ? ActorRefs.Nobody : Sender;
        if (_state is not { } state || !state.IsUnusedPast(_settings.UnusedClientTtl, _time.GetUtcNow()))
        {
            replyTo.Tell(new UnusedClientChecked(_clientId, Removed: false));
            PassivateIfEmpty();
            return;
        }

        Persist(new ClientRemoved(_clientId, _time.GetUtcNow()), _ =>
        {
            _state = null;
            _log.Info("Client {ClientId} expired: registered openly and never used", _clientId);
            _events.Publish(EventType.ClientDeleted, RequestContext.Internal(Guid.NewGuid().ToString()), _clientId, metadata: new Dictionary<string, string>
            {
                ["client_name"] = state.ClientName ?? string.Empty,
                ["by"] = "expiry",
                ["reason"] = "never authenticated",
            });

            // Nothing of it is kept: the journal of an expired client is deleted (its id is random and never reused).
            DeleteMessages(LastSequenceNr);
            AnswerOnceForgotten(replyTo, new UnusedClientChecked(_clientId, Removed: true), listing: new UnlistClient(_clientId));
        });
    }

    private const string BootstrapScope = $"{Scopes.Admin} {Scopes.EventsRead} {Scopes.EventsIngest}";

    /// <summary>
    /// Answers a change once no node's authentication cache remembers the client as it was (so a rotated secret or a
    /// deleted client is refused everywhere by the time the change is confirmed).
    /// </summary>
    /// <remarks>
    /// A client just <paramref name="created"/> is also forgotten by every node's <see cref="UnknownIdCache"/>; a
    /// <paramref name="listing"/> is written to the <see cref="ClientDirectoryActor"/> first, so what was answered is
    /// listed at once (if the directory does not answer in time, the answer goes all the same: the client is written).
    /// <paramref name="invalidate"/> false: nothing could be cached of it yet (a new registration).
    /// </remarks>
    private void AnswerOnceForgotten(IActorRef replyTo, object reply, bool created = false, bool invalidate = true, IClientDirectoryCommand? listing = null)
    {
        var forgetting = new List<Task>(3);
        if (created && _unknownIds.Enabled)
        {
            forgetting.Add(UnknownIdCacheActor.ForgetEverywhere(Context.System, _unknownIds, UnknownIdKind.Client, _clientId, _settings.RequestTimeout));
        }

        if (invalidate && _invalidation.Timeout > TimeSpan.Zero)
        {
            forgetting.Add(_invalidation.Everywhere(Context.System, _clientId, _log));
        }

        if (listing is not null && !_directory.IsNobody())
        {
            // As long as the cache clear at most: the asker waits for this answer with the request timeout, and a slow or
            // moving directory must not turn a change that is written into a timeout.
            forgetting.Add(_directory.Ask<ClientListingUpdated>(listing, _settings.ConfirmationTimeout));
        }

        if (forgetting.Count == 0)
        {
            replyTo.Tell(reply);
            return;
        }

        Task.WhenAll(forgetting).ContinueWith(_ => replyTo.Tell(reply), TaskScheduler.Default);
    }

    /// <summary>An id nobody registered should not keep an entity (and its recovery) alive.</summary>
    private void PassivateIfEmpty()
    {
        if (_state is null)
        {
            Context.Parent.Tell(new Passivate(StopEntity.Instance));
        }
    }
}
