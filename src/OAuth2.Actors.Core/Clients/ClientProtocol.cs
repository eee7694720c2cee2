namespace OAuth2.Actors.Clients;

/// <summary>Commands and queries addressed to one client entity through the <c>clients</c> shard region.</summary>
public interface IClientCommand
{
    string ClientId { get; }
}

/// <summary>Register a new client under a server-chosen id. <paramref name="Privileged"/>: the request was authorised by an initial access token or an admin token.</summary>
public sealed record RegisterClient(string ClientId, ClientMetadata Metadata, bool Privileged, RequestContext Context) : IClientCommand
{
    public static RegisterClient Create(ClientMetadata metadata, bool privileged, RequestContext context) =>
        new(Secrets.NewClientId(), metadata, privileged, context);
}

/// <summary>Create or update the bootstrap admin client with an operator-chosen secret.</summary>
public sealed record EnsureBootstrapClient(string ClientId, string Secret) : IClientCommand
{
    public override string ToString() => $"EnsureBootstrapClient {{ ClientId = {ClientId} }}";
}

/// <summary>Check a presented secret (null for public clients).</summary>
public sealed record AuthenticateClient(string ClientId, string? Secret, string Method, RequestContext Context) : IClientCommand
{
    public override string ToString() => $"AuthenticateClient {{ ClientId = {ClientId} }}";
}

public sealed record GetClient(string ClientId) : IClientCommand;

/// <summary>RFC 7592 access to a client's configuration: by its registration access token, or as admin.</summary>
public sealed record ClientManagementAccess(string? RegistrationToken, bool Admin)
{
    public override string ToString() => $"ClientManagementAccess {{ Admin = {Admin} }}";
}

public sealed record ReadClientConfiguration(string ClientId, ClientManagementAccess Access) : IClientCommand;

/// <summary>RFC 7592 2.2: replace the client's metadata. The body's client_id must match; a client_secret in it must be the current one.</summary>
public sealed record UpdateClientConfiguration(
    string ClientId,
    ClientManagementAccess Access,
    ClientMetadata Metadata,
    string? BodyClientId,
    string? BodyClientSecret,
    RequestContext Context) : IClientCommand
{
    public override string ToString() => $"UpdateClientConfiguration {{ ClientId = {ClientId} }}";
}

public sealed record DeleteClient(string ClientId, ClientManagementAccess Access, RequestContext Context) : IClientCommand;

public sealed record ClientConfiguration(ClientRegistrationResponse Response) : OAuthReply;

public sealed record ClientDeleted(string ClientId) : OAuthReply;

public sealed record ClientAuthenticated(ClientView Client);

public sealed record ClientAuthenticationFailed(string ClientId, ClientAuthenticationFailure Reason);

public sealed record CurrentClient(string ClientId, ClientView? Client);

public sealed record BootstrapClientReady(string ClientId);

/// <summary>Journal events of a client entity.</summary>
public interface IClientEvent;

public sealed record ClientCreated(ClientRecord Client) : IClientEvent;

public sealed record ClientCredentialsReplaced(ClientRecord Client) : IClientEvent;

public sealed record ClientMetadataReplaced(ClientRecord Client) : IClientEvent;

public sealed record ClientRemoved(string ClientId, DateTimeOffset At) : IClientEvent;

/// <summary>An openly registered client authenticated for the first time: it is in use, and no longer expires unused.</summary>
public sealed record ClientFirstAuthenticated(string ClientId, long At) : IClientEvent;

/// <summary>
/// From the <see cref="UnusedClientSweeper"/>: remove the client if it was registered openly, never authenticated and is
/// older than the unused-client lifetime. Answered with <see cref="UnusedClientChecked"/>.
/// </summary>
public sealed record ExpireUnusedClient(string ClientId) : IClientCommand;

/// <summary><paramref name="Removed"/>: the client expired and is gone; false: it is in use, or gone already.</summary>
public sealed record UnusedClientChecked(string ClientId, bool Removed);

/// <summary>To a node's <see cref="ClientCacheActor"/>: the client changed; forget its cached authentication.</summary>
public sealed record InvalidateClientCache(string ClientId);

public sealed record ClientCacheInvalidated(string ClientId);

/// <summary>
/// An admin disables (or enables again) the client: while disabled it can neither authenticate nor start an
/// authorization. Answered with <see cref="ClientDescription"/> (no client: null).
/// </summary>
public sealed record SetClientDisabled(string ClientId, bool Disabled, RequestContext Context) : IClientCommand;

/// <summary>Everything but the hashes, for an administrator. Answered with <see cref="ClientDescription"/>.</summary>
public sealed record DescribeClient(string ClientId) : IClientCommand;

/// <summary>The client as an administrator sees it; null when there is no such client.</summary>
public sealed record ClientDescription(string ClientId, ClientSummary? Client);

/// <summary>
/// The answer to enabling a client disabled too recently: the tokens it may have been issued until
/// <paramref name="NotBeforeUnix"/> are revoked up to then (<see cref="Configuration.ServerSettings.ClientTokenCutOff"/>), so
/// it can be enabled only after that second.
/// </summary>
public sealed record ClientEnableTooEarly(string ClientId, long NotBeforeUnix);

/// <summary>An admin disabled or enabled the client.</summary>
public sealed record ClientStatusChanged(string ClientId, bool Disabled, DateTimeOffset At) : IClientEvent;

// ---- directory (one entity listing every client, for the admin API and the console) ---------------------------

public interface IClientDirectoryCommand;

public sealed record ListClient(ClientSummary Client) : IClientDirectoryCommand;

public sealed record UnlistClient(string ClientId) : IClientDirectoryCommand;

/// <summary>
/// A page of the clients in client_id order, after <paramref name="After"/> (exclusive); <paramref name="Query"/>
/// keeps those whose id or name contains it (ignoring case). Answered with <see cref="ClientPage"/>.
/// </summary>
public sealed record GetClients(string? Query, string? After, int Limit) : IClientDirectoryCommand;

/// <summary><paramref name="Matching"/>: how many clients match the query in all; <paramref name="NextAfter"/>: the cursor of the next page, null on the last.</summary>
public sealed record ClientPage(IReadOnlyList<ClientSummary> Clients, int Matching, string? NextAfter);

/// <summary>The directory's answer to <see cref="ListClient"/> and <see cref="UnlistClient"/>: written.</summary>
public sealed record ClientListingUpdated
{
    public static readonly ClientListingUpdated Instance = new();
}

public sealed record ClientListed(ClientSummary Client);

public sealed record ClientUnlisted(string ClientId);
