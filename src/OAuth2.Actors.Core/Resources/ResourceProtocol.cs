namespace OAuth2.Actors.Resources;

/// <summary>
/// A registered resource server (RFC 8707): the URI clients name in <c>resource</c>, which becomes the access token's
/// <c>aud</c>; the scopes it accepts (a token for it carries no other); and the client it introspects tokens as.
/// </summary>
public sealed record ResourceServer(string Id, string Resource, IReadOnlyList<string> Scopes, string ClientId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public bool Accepts(string scope) => Scopes.Contains(scope, StringComparer.Ordinal);
}

/// <summary>What an admin sends to register or replace a resource server (validated before it reaches the registry).</summary>
public sealed record ResourceServerSpec(string Resource, IReadOnlyList<string> Scopes, string ClientId);

/// <summary>
/// Commands of the one registry entity (<see cref="ResourceRegistryActor"/>): resource servers are few, and one entity
/// keeps their URIs unique.
/// </summary>
public interface IResourceRegistryCommand;

/// <summary>Answers <see cref="ResourceServerSaved"/>, or an <see cref="AdminFailure"/> (Conflict: the URI is taken).</summary>
public sealed record CreateResourceServer(ResourceServerSpec Spec, RequestContext Context) : IResourceRegistryCommand;

/// <summary>Answers <see cref="ResourceServerSaved"/>, or an <see cref="AdminFailure"/> (NotFound, Conflict).</summary>
public sealed record UpdateResourceServer(string Id, ResourceServerSpec Spec, RequestContext Context) : IResourceRegistryCommand;

/// <summary>Answers <see cref="ResourceServerDeleted"/>, or an <see cref="AdminFailure"/> (NotFound).</summary>
public sealed record DeleteResourceServer(string Id, RequestContext Context) : IResourceRegistryCommand;

/// <summary>Answers <see cref="CurrentResourceServers"/>.</summary>
public sealed record GetResourceServers : IResourceRegistryCommand
{
    public static readonly GetResourceServers Instance = new();
}

public sealed record ResourceServerSaved(ResourceServer Server);

public sealed record ResourceServerDeleted(string Id);

/// <summary>Every registered resource server, as of the registry's journal position <paramref name="Version"/>.</summary>
public sealed record CurrentResourceServers(IReadOnlyList<ResourceServer> Servers, long Version);

/// <summary>
/// From the registry to every node's <see cref="ResourceDirectoryActor"/> after a change, before the change is answered;
/// confirmed with <see cref="ResourceServersPushed"/>.
/// </summary>
public sealed record PushResourceServers(CurrentResourceServers Current);

public sealed record ResourceServersPushed(long Version);

// journal
public sealed record ResourceServerRegistered(ResourceServer Server);

public sealed record ResourceServerReplaced(ResourceServer Server);

public sealed record ResourceServerRemoved(string Id);
