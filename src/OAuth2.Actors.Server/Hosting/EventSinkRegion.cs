namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The key the <c>event-sinks</c> shard region is registered under in the actor registry: the marker type
/// <c>OAuth2.Actors.Events.Log.EventSinkConsumer</c>. Looked up by name until that type is on main (then: typeof).
/// </summary>
internal static class EventSinkRegion
{
    public static readonly Type Key =
        Type.GetType("OAuth2.Actors.Events.Log.EventSinkConsumer, OAuth2.Actors.Core") ?? typeof(EventSinkRegion);
}
