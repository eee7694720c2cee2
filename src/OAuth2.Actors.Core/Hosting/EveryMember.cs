using Akka.Cluster;
using Akka.Event;

namespace OAuth2.Actors.Hosting;

/// <summary>
/// Tells an actor that runs on every node (by its name under <c>/user</c>) something every node must know before the
/// sender answers its own caller, and waits for each node's confirmation, at most <c>timeout</c>: the nodes that
/// could not confirm in time (unreachable, or stopping) are returned, so the caller can say what they may miss.
/// </summary>
public static class EveryMember
{
    public static async Task<IReadOnlyList<Address>> AskAll<TConfirmation>(ActorSystem system, string actorName, object message, TimeSpan timeout)
    {
        var addresses = Members(system);
        var confirmations = addresses
            .Select(address => system.ActorSelection(new RootActorPath(address) / "user" / actorName).Ask<TConfirmation>(message, timeout))
            .ToArray();
        try
        {
            await Task.WhenAll(confirmations);
            return [];
        }
        catch (Exception)
        {
            return addresses.Where((_, i) => !confirmations[i].IsCompletedSuccessfully).ToArray();
        }
    }

    /// <summary>Logs which nodes did not confirm <paramref name="what"/> (nothing when all did).</summary>
    public static void WarnMissing(ILoggingAdapter log, IReadOnlyList<Address> missing, string what, TimeSpan timeout)
    {
        if (missing.Count > 0)
        {
            log.Warning("{Count} node(s) did not confirm {What} within {Timeout}: {Nodes}", missing.Count, what, timeout, string.Join(", ", missing));
        }
    }

    /// <summary>Every member that may serve requests, and this node even before it has joined.</summary>
    private static Address[] Members(ActorSystem system)
    {
        var provider = ((ExtendedActorSystem)system).Provider;
        if (provider is not Akka.Cluster.ClusterActorRefProvider)
        {
            return [provider.DefaultAddress];
        }

        var cluster = Cluster.Get(system);
        return cluster.State.Members
            .Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed))
            .Select(m => m.Address)
            .Append(cluster.SelfAddress)
            .Distinct()
            .ToArray();
    }
}
