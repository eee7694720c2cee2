using Akka.Actor;
using Akka.Event;
using OAuth2.Actors.Events;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Clients;

/// <summary>The RFC 7592 side of a client entity: reading, replacing and deleting its configuration.</summary>
public sealed partial class ClientActor
{
    /// <summary>RFC 7592 2: a wrong or missing registration access token, or no such client, is 401 invalid_token.</summary>
    private static readonly OAuthError InvalidRegistrationToken =
        new(Errors.InvalidToken, "The registration access token is not valid for this client.", FailureKind.Unauthenticated, AuthChallenge.BearerInvalid);

    private OAuthError? Denied(ClientManagementAccess access)
    {
        if (Current is not { } state)
        {
            PassivateIfEmpty();
            return access.Admin ? new OAuthError(Errors.InvalidClient, "No such client.", FailureKind.NotFound) : InvalidRegistrationToken;
        }

        return access.Admin || Secrets.Verify(access.RegistrationToken, state.RegistrationTokenHash) ? null : InvalidRegistrationToken;
    }

    private ClientRegistrationResponse Configuration(ClientRecord c) => new(
        c.ClientId,
        null,
        c.IssuedAt,
        0,
        null,
        _settings.RegistrationClientUri(c.ClientId),
        c.RedirectUris,
        c.GrantTypes,
        c.ResponseTypes,
        c.TokenEndpointAuthMethod,
        c.Scope,
        c.ClientName);

    private void Update(UpdateClientConfiguration command)
    {
        if (Denied(command.Access) is { } denied)
        {
            Sender.Tell(denied);
            return;
        }

        var current = _state!;
        if (!string.Equals(command.BodyClientId, _clientId, StringComparison.Ordinal))
        {
            Sender.Tell(OAuthError.InvalidRequest("The body's client_id must be this client's id (RFC 7592 2.2)."));
            return;
        }

        if (command.BodyClientSecret is not null && !Secrets.Verify(command.BodyClientSecret, current.SecretHash))
        {
            Sender.Tell(new OAuthError(Errors.InvalidClientMetadata, "client_secret does not match the current secret; it cannot be changed here."));
            return;
        }

        // A client's own registration token keeps the scopes it has and may add only what open registration could
        // ask for; an admin grants anything.
        var keptOrOpen = new HashSet<string>(current.ScopeList, StringComparer.Ordinal);
        keptOrOpen.UnionWith(_settings.OpenRegistrationScopes);
        var (metadata, error) = ClientMetadataValidator.Validate(
            command.Metadata, _settings.DefaultClientScope, command.Access.Admin, _settings.SupportedGrantTypes, keptOrOpen);
        if (metadata is null)
        {
            Sender.Tell(error!);
            return;
        }

        var becomesPublic = metadata.TokenEndpointAuthMethod == ClientAuthMethods.None;
        if (becomesPublic != !current.IsConfidential)
        {
            Sender.Tell(new OAuthError(Errors.InvalidClientMetadata, "A client cannot switch between confidential and public; register a new one."));
            return;
        }

        var record = current with
        {
            ClientName = metadata.ClientName,
            RedirectUris = metadata.RedirectUris,
            GrantTypes = metadata.GrantTypes,
            ResponseTypes = metadata.ResponseTypes,
            TokenEndpointAuthMethod = metadata.TokenEndpointAuthMethod,
            Scope = metadata.Scope,
        };
        var replyTo = Sender;
        Persist(new ClientMetadataReplaced(record), e =>
        {
            _state = e.Client;
            _log.Info("Client {ClientId} configuration updated", _clientId);
            _events.Publish(EventType.ClientUpdated, command.Context, _clientId, metadata: new Dictionary<string, string>
            {
                ["change"] = "metadata",
                ["client_name"] = record.ClientName ?? string.Empty,
                ["grant_types"] = string.Join(" ", record.GrantTypes),
                ["token_endpoint_auth_method"] = record.TokenEndpointAuthMethod,
                ["scope"] = record.Scope,
                ["redirect_uris"] = string.Join(" ", record.RedirectUris),
                ["by"] = command.Access.Admin ? "admin" : "registration_access_token",
            });
            AnswerOnceForgotten(replyTo, new ClientConfiguration(Configuration(record)), listing: new ListClient(record.ToSummary()));
        });
    }

    private void Delete(DeleteClient command)
    {
        if (Denied(command.Access) is { } denied)
        {
            Sender.Tell(denied);
            return;
        }

        var replyTo = Sender;
        var deleted = _state!;
        Persist(new ClientRemoved(_clientId, _time.GetUtcNow()), _ =>
        {
            _state = null;
            _log.Info("Client {ClientId} deleted", _clientId);
            _events.Publish(EventType.ClientDeleted, command.Context, _clientId, metadata: new Dictionary<string, string>
            {
                ["client_name"] = deleted.ClientName ?? string.Empty,
                ["by"] = command.Access.Admin ? "admin" : "registration_access_token",
            });
            AnswerOnceForgotten(replyTo, new ClientDeleted(_clientId), listing: new UnlistClient(_clientId));
        });
    }

    private static ClientRecord Changed(ClientRecord state, ClientStatusChanged e) =>
        e.Disabled ? state with { Disabled = true, DisabledAt = e.At.ToUnixTimeSeconds() } : state with { Disabled = false };

    /// <summary>
    /// An admin's switch (the pipeline checked the caller): a disabled client is refused authentication (so every grant)
    /// and authorization at once, on every node; the answer waits for the nodes' authentication caches to forget it.
    /// </summary>
    private void SetDisabled(SetClientDisabled command)
    {
        if (Current is not { } state)
        {
            Sender.Tell(new ClientDescription(_clientId, null));
            PassivateIfEmpty();
            return;
        }

        var replyTo = Sender;
        if (state.Disabled == command.Disabled)
        {
            replyTo.Tell(new ClientDescription(_clientId, state.ToSummary()));
            return;
        }

        // Its tokens were revoked up to a cut-off (whole seconds, as tokens' times are) that covers those a node could
        // still issue after the disable: it can be enabled only once that second is over, so that no token issued from
        // then on falls under it. Within a second of it the answer waits; earlier it is refused, saying when.
        var now = _time.GetUtcNow();
        if (!command.Disabled && state.DisabledAt is { } disabledAt && _settings.ClientTokenCutOff(disabledAt) is var cutOff
            && now.ToUnixTimeSeconds() <= cutOff)
        {
            var wait = DateTimeOffset.FromUnixTimeSeconds(cutOff + 1) - now;
            if (wait > TimeSpan.FromSeconds(1))
            {
                replyTo.Tell(new ClientEnableTooEarly(_clientId, cutOff + 1));
                return;
            }

            Context.System.Scheduler.ScheduleTellOnce(wait + TimeSpan.FromMilliseconds(5), Self, command, replyTo);
            return;
        }

        Persist(new ClientStatusChanged(_clientId, command.Disabled, now), e =>
        {
            _state = Changed(state, e);
            var change = e.Disabled ? "disabled" : "enabled";
            _log.Info("Client {ClientId} {Change} by an admin (correlation {CorrelationId})", _clientId, change, command.Context.CorrelationId);
            _events.Publish(EventType.ClientUpdated, command.Context, _clientId, metadata: new Dictionary<string, string>
            {
                ["change"] = change,
                ["client_name"] = state.ClientName ?? string.Empty,
                ["by"] = "admin",
            }, severity: e.Disabled ? EventSeverity.Warning : EventSeverity.Info);
            var summary = _state.ToSummary();
            AnswerOnceForgotten(replyTo, new ClientDescription(_clientId, summary), listing: new ListClient(summary));
        });
    }
}
