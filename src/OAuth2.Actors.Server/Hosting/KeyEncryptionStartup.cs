using Akka.Actor;
using Akka.Hosting;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// At start, before the server takes requests: the stored keys (DataProtection key ring, signing keys) must open with
/// the configured key-encryption key, else the start fails with one message saying which KEK they need; a key ring
/// stored in clear is encrypted now when a KEK is configured; without one, a warning that keys are stored in clear.
/// </summary>
public sealed partial class KeyEncryptionStartup(IOptions<OAuth2Options> options, ServerSettings settings, IRequiredActor<SigningKeyActor> keys, ILogger<KeyEncryptionStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var kek = settings.KeyEncryption;
        if (kek is null)
        {
            LogKeysInClear(logger);
        }

        var ring = new DatabaseXmlRepository(DatabaseSettings.From(options.Value), kek);
        if (ring.KeyEncryptionProblem() is { } problem)
        {
            Fail(problem);
        }

        if (kek is not null)
        {
            // Reading the ring encrypts what was stored in clear (DatabaseXmlRepository).
            ring.GetAllElements();
        }

        await CheckSigningKeys(kek, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CheckSigningKeys(KeyEncryptionKey? kek, CancellationToken cancellationToken)
    {
        var region = await keys.GetAsync(cancellationToken);
        object answer;
        try
        {
            // One request timeout: a node that cannot reach the entity yet (its cluster is still forming) starts, and
            // its key view reports the problem when it loads the keys.
            answer = await region.Ask<object>(GetSigningKeys.Default, settings.RequestTimeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            LogSigningKeysNotChecked(logger);
            return;
        }

        if (answer is SigningKeysUnavailable unavailable)
        {
            Fail("Signing keys: " + unavailable.Reason);
        }

        foreach (var key in (answer as CurrentSigningKeys)?.Keys.Where(k => KeyEncryptionKey.IsProtected(k.PrivateKey)) ?? [])
        {
            try
            {
                _ = (kek ?? throw new KeyEncryptionException(KeyEncryptionKey.WrongKeyMessage(KeyEncryptionKey.KeyIdOf(key.PrivateKey)!, null)))
                    .Unprotect(key.PrivateKey, SigningKeyEntry.Purpose);
            }
            catch (KeyEncryptionException e)
            {
                Fail($"Signing key {key.KeyId}: {e.Message}");
            }
        }
    }

    private void Fail(string message)
    {
        LogCannotStart(logger, message);
        throw new KeyEncryptionException($"The server cannot start: {message}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAUTH2_KEY_ENCRYPTION_KEY_FILE is not set: the signing keys (journal) and the DataProtection key ring (database) are stored in clear. Set it to a file holding 32 random bytes in base64, or OAUTH2_REQUIRE_KEY_ENCRYPTION=true to refuse this.")]
    private static partial void LogKeysInClear(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The server cannot start: {Reason}")]
    private static partial void LogCannotStart(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The signing keys did not answer in time at start; they are checked when the token actors load them")]
    private static partial void LogSigningKeysNotChecked(ILogger logger);
}
