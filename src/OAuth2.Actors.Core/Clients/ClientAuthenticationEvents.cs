using OAuth2.Actors.Events;

namespace OAuth2.Actors.Clients;

/// <summary>The client_validated events, whether the entity or one of the node's caches decided.</summary>
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

    public static void Failed(EventPublisher events, RequestContext context, string clientId, string method, ClientAuthenticationFailure failure) =>
        events.Publish(EventType.ClientValidated, context, clientId, metadata: new Dictionary<string, string>
        {
            ["success"] = "false",
            ["auth_method"] = method,
            ["reason"] = failure.Describe(),
        }, severity: EventSeverity.Warning, error: Errors.InvalidClient);
}
