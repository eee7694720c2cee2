using Akka.Actor;
using Microsoft.Extensions.Time.Testing;
using OAuth2.Actors.Events;
using OAuth2.Actors.Protocol;
using Xunit;

namespace OAuth2.Actors.Core.Tests;

public class EventPublisherTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly FakeTimeProvider _time = new(SpecSupport.Start);

    [Fact]
    public async Task EventPublisher_must_carry_the_source_and_the_remote_address_of_a_request_in_the_attributes()
    {
        var publisher = new EventPublisher(SpecSupport.EnvelopesTo(Sys, TestActor), _time, "spec");

        publisher.Publish(EventType.TokenCreated, new RequestContext("corr-1", RemoteAddress: "203.0.113.7"), "billing");

        var envelope = await ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("http", envelope.Attributes["source"]);
        Assert.Equal("203.0.113.7", envelope.Attributes["remote_address"]);
        Assert.Equal("corr-1", envelope.CorrelationId);
    }

    [Fact]
    public async Task EventPublisher_must_leave_out_the_remote_address_of_internal_work()
    {
        var publisher = new EventPublisher(SpecSupport.EnvelopesTo(Sys, TestActor), _time, "spec");

        publisher.Publish(EventType.ClientRegistered, RequestContext.Internal("bootstrap"), "admin");

        var envelope = await ExpectMsgAsync<EventEnvelope>();
        Assert.Equal("internal", envelope.Attributes["source"]);
        Assert.False(envelope.Attributes.ContainsKey("remote_address"));
    }

    [Fact]
    public async Task EventPublisher_must_hand_the_event_actor_every_envelope_in_order_in_batches()
    {
        var publisher = new EventPublisher(TestActor, _time, "spec");

        for (var i = 0; i < 500; i++)
        {
            publisher.Publish(EventType.TokenCreated, null, "client-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var received = new List<EventEnvelope>();
        while (received.Count < 500)
        {
            received.AddRange((await ExpectMsgAsync<EventBatch>()).Events);
        }

        Assert.Equal(Enumerable.Range(0, 500).Select(i => "client-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received.Select(e => e.Event.ClientId));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Event_ids_must_be_version_7_uuids_in_the_order_of_their_timestamps()
    {
        var start = new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 1000).Select(i => EventPublisher.NewEventId(start.AddMilliseconds(i))).ToList();

        Assert.All(ids, id => Assert.Equal(7, Guid.Parse(id).Version));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        // Ordered as text too, which is how the event log's index compares them.
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        // Ids made in the same millisecond are still unique.
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(_ => EventPublisher.NewEventId(start)).Distinct(StringComparer.Ordinal).Count());
    }
}
