using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Events;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>What the HTTP handlers see of the EventActor: Ask with a timeout and the request's cancellation token.</summary>
public interface IEventGateway
{
    bool Enabled { get; }

    Task<EventsFound?> Query(EventQuery query, CancellationToken cancellationToken);

    Task<IngestReply?> Ingest(IngestEvent ingest, CancellationToken cancellationToken);

    Task<EventHealth?> Health(CancellationToken cancellationToken);
}

public sealed class EventGateway(ActorRegistry registry, EventSettings settings) : IEventGateway
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public bool Enabled => settings.Enabled;

    public Task<EventsFound?> Query(EventQuery query, CancellationToken cancellationToken) => Ask<EventsFound>(new QueryEvents(query), cancellationToken);

    public Task<IngestReply?> Ingest(IngestEvent ingest, CancellationToken cancellationToken) => Ask<IngestReply>(ingest, cancellationToken);

    public Task<EventHealth?> Health(CancellationToken cancellationToken) => Ask<EventHealth>(GetEventHealth.Instance, cancellationToken);

    private async Task<T?> Ask<T>(object message, CancellationToken cancellationToken)
        where T : class
    {
        if (!registry.TryGet<EventActor>(out var events))
        {
            return null;
        }

        try
        {
            return await events.Ask<T>(message, Timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
