using Akka.Configuration;
using Akka.Hosting;

namespace OAuth2.Actors.Serialization;

public static class SerializationHosting
{
    /// <summary>
    /// Binds every cross-node message to <see cref="OAuth2MessageSerializer"/> (ahead of the host's other HOCON, so
    /// nothing falls back to Newtonsoft for them). <paramref name="serializeAllMessages"/> turns on
    /// <c>akka.actor.serialize-messages</c>: every message, local ones too, goes through its serializer, so a test run
    /// shows any cross-node message that would not survive the wire. For tests only: it costs every send.
    /// </summary>
    public static AkkaConfigurationBuilder WithOAuth2Serialization(this AkkaConfigurationBuilder builder, bool serializeAllMessages = false)
    {
        var config = OAuth2MessageSerializer.Configuration;
        if (serializeAllMessages)
        {
            config = ConfigurationFactory.ParseString("akka.actor.serialize-messages = on").WithFallback(config);
        }

        return builder.AddHocon(config, HoconAddMode.Prepend);
    }
}
