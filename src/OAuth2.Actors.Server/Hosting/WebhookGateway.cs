using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// What the <c>/admin/api/webhooks</c> handlers see of the webhooks: whether they are enabled, and this node's
/// <see cref="WebhookAdmin"/> actor, asked with a timeout and the request's cancellation token.
/// </summary>
public interface IWebhookGateway
{
    /// <summary>OAUTH2_EVENTS_BACKEND names <c>webhook</c> and eventing is enabled.</summary>
    bool Enabled { get; }

    /// <summary>The admin actor's answer (a reply of the webhook admin protocol or <see cref="AdminFailure"/>); null when it did not answer in time.</summary>
    Task<object?> Ask(object request, CancellationToken cancellationToken);
}

public sealed class WebhookGateway(ActorRegistry registry, EventPipelineSetup pipeline) : IWebhookGateway
{
    /// <summary>Longer than the sinks': the admin actor works on the database and asks the sink consumers in turn.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public bool Enabled => pipeline.Webhooks && pipeline.Settings.Enabled;

    public async Task<object?> Ask(object request, CancellationToken cancellationToken)
    {
        if (!Enabled || !registry.TryGet<WebhookAdmin>(out var admin))
        {
            return null;
        }

        try
        {
            return await admin.Ask<object>(request, Timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
