using System.Collections.Frozen;

namespace OAuth2.Actors.Resources;

/// <summary>
/// This node's copy of the registered resource servers, read by the token, authorization and introspection pipelines
/// on any thread without asking anyone: an immutable snapshot swapped whole when the registry pushes a change or the
/// node pulls one. Null until the first snapshot arrives (the pipelines then ask the registry themselves).
/// </summary>
public sealed class ResourceDirectory
{
    private ResourceSnapshot? _snapshot;

    public ResourceSnapshot? Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Keeps <paramref name="current"/> unless this node already holds a later version; returns what it holds.</summary>
    public ResourceSnapshot Apply(CurrentResourceServers current)
    {
        while (true)
        {
            var held = Volatile.Read(ref _snapshot);
            if (held is not null && held.Version >= current.Version)
            {
                return held;
            }

            var next = new ResourceSnapshot(current.Servers, current.Version);
            if (Interlocked.CompareExchange(ref _snapshot, next, held) == held)
            {
                return next;
            }
        }
    }
}

/// <summary>The resource servers at one version, indexed the two ways the pipelines look them up.</summary>
public sealed class ResourceSnapshot
{
    private readonly FrozenDictionary<string, ResourceServer> _byResource;
    private readonly FrozenDictionary<string, string[]> _resourcesByClient;

    public ResourceSnapshot(IReadOnlyList<ResourceServer> servers, long version)
    {
        Servers = servers;
        Version = version;
        _byResource = servers.ToFrozenDictionary(s => s.Resource, StringComparer.Ordinal);
        _resourcesByClient = servers
            .GroupBy(s => s.ClientId, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(s => s.Resource).ToArray(), StringComparer.Ordinal);
    }

    public IReadOnlyList<ResourceServer> Servers { get; }

    public long Version { get; }

    public ResourceServer? Find(string resource) => _byResource.GetValueOrDefault(resource);

    /// <summary>Whether <paramref name="clientId"/> is the introspecting client of a resource server among <paramref name="audiences"/>.</summary>
    public bool Introspects(string clientId, IReadOnlyList<string> audiences)
    {
        if (!_resourcesByClient.TryGetValue(clientId, out var resources))
        {
            return false;
        }

        foreach (var audience in audiences)
        {
            if (Array.IndexOf(resources, audience) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
