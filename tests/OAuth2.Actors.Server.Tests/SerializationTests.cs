using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Serialization;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The host's actor system binds the cross-node messages to our serializer, and the test hosts serialize every
/// message (OAUTH2_AKKA_SERIALIZE_MESSAGES=on): the suites pass only if what would cross nodes survives the wire.
/// </summary>
public sealed class SerializationTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public void The_host_must_bind_every_cross_node_message_to_our_serializer()
    {
        var system = Host.Services.GetRequiredService<ActorSystem>();

        foreach (var type in MessageManifests.Types)
        {
            Assert.IsType<OAuth2MessageSerializer>(system.Serialization.FindSerializerForType(type));
        }
    }

    [Fact]
    public void The_test_host_must_serialize_every_message()
    {
        var system = Host.Services.GetRequiredService<ActorSystem>();

        Assert.True(system.Settings.SerializeAllMessages);
        Assert.IsNotType<OAuth2MessageSerializer>(system.Serialization.FindSerializerForType(typeof(TokenRevocationRecorded))); // journal events keep theirs
    }
}
