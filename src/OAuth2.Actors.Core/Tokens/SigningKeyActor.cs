using Akka.Event;
using Akka.Persistence;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Tokens;

/// <summary>
/// The cluster's signing key, one sharded entity per key name: generated on the first request and kept in the
/// journal so every node, and every restart, signs with the same key.
/// </summary>
public sealed class SigningKeyActor : ReceivePersistentActor
{
    private readonly string _name;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SigningKeyGenerated? _key;

    public SigningKeyActor(string name)
    {
        _name = name;
        Recover<SigningKeyGenerated>(e => _key = e);
        Command<StopEntity>(_ => Context.Stop(Self)); // the shard's hand-off and passivation message
        Command<GetSigningKey>(Get);
    }

    public override string PersistenceId => $"signing-key-{_name}";

    public static Props Props(string name) => Akka.Actor.Props.Create(() => new SigningKeyActor(name));

    private void Get(GetSigningKey request)
    {
        if (_key is not null)
        {
            Sender.Tell(new CurrentSigningKey(_name, _key.Pem));
            return;
        }

        var replyTo = Sender;
        var generated = new SigningKeyGenerated(SigningKeyMaterial.GeneratePem(request.Algorithm), request.Algorithm.ToString());
        Persist(generated, e =>
        {
            _key = e;
            _log.Info("Generated a new {Algorithm} signing key {KeyName}", e.Algorithm, _name);
            replyTo.Tell(new CurrentSigningKey(_name, e.Pem));
        });
    }
}
