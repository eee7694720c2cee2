using OAuth2.Actors.Events;

namespace OAuth2.Actors.Clients;

/// <summary>The client_validated event of a successful authentication, whether the entity or the node's cache decided it.</summary>
public static class ClientAuthenticationEvents
{
    public static void Succeeded(EventPublisher events, RequestContext context, string clientId, string method)
    {
        if (events.Enabled)
        {
            events.Publish(EventType.ClientValidated, context, clientId, metadata: new Dictionary<string, string>
            {
                ["success"] = "true",
                ["auth_method"] = method,
            });
        }
    }
}
