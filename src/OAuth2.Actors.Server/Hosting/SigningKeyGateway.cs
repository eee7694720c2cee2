using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>What the keys admin API sees of the signing-key entity: its list and its rotation, null when it does not answer in time.</summary>
public interface ISigningKeyGateway
{
    Task<object?> List(CancellationToken cancellationToken);

    Task<object?> Rotate(CancellationToken cancellationToken);
}

public sealed class SigningKeyGateway(IRequiredActor<SigningKeyActor> keys, ServerSettings settings) : ISigningKeyGateway
{
    public Task<object?> List(CancellationToken cancellationToken) => Ask(GetSigningKeys.Default, cancellationToken);

    public Task<object?> Rotate(CancellationToken cancellationToken) => Ask(RotateSigningKey.Default, cancellationToken);

    private async Task<object?> Ask(ISigningKeyCommand command, CancellationToken cancellationToken)
    {
        try
        {
            var region = await keys.GetAsync(cancellationToken);
            return await region.Ask<object>(command, settings.RequestTimeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
