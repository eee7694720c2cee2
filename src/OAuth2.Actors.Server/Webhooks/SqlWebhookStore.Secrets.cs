using System.Text.Json;
using System.Text.Json.Serialization;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.EventLog;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Webhooks;

/// <summary>Signing secrets at rest: sealed with the key-encryption key when one is configured, in clear otherwise.</summary>
public sealed partial class SqlWebhookStore
{
    /// <summary>The purpose a secret is sealed for: bound to its endpoint, so a sealed value moved to another row does not open.</summary>
    internal static string PurposeOf(string endpointId) => SecretPurpose + ":" + endpointId;

    private string SecretsJson(string endpointId, IReadOnlyList<WebhookSecret> secrets) =>
        JsonSerializer.Serialize(secrets.Select(s => new StoredSecret(
            _kek is null ? s.Value : _kek.Protect(s.Value, PurposeOf(endpointId)),
            WebhookSchema.Micros(s.CreatedAt),
            WebhookSchema.Micros(s.ExpiresAt))).ToList(), StoredJson.Default.ListStoredSecret);

    private IReadOnlyList<WebhookSecret> ReadSecrets(string endpointId, string json) =>
        (JsonSerializer.Deserialize(json, StoredJson.Default.ListStoredSecret) ?? [])
        .Select(s => new WebhookSecret(Open(endpointId, s.Value), WebhookSchema.Time(s.CreatedAt), s.ExpiresAt is { } end ? WebhookSchema.Time(end) : null))
        .ToList();

    private string Open(string endpointId, string stored)
    {
        if (!KeyEncryptionKey.IsProtected(stored))
        {
            return stored;
        }

        return (_kek ?? throw new KeyEncryptionException(SealedWithoutKek(KeyEncryptionKey.KeyIdOf(stored)!)))
            .Unprotect(stored, PurposeOf(endpointId));
    }

    internal static string SealedWithoutKek(string storedKeyId) =>
        $"The webhook signing secrets are encrypted with key-encryption key {storedKeyId}, but OAUTH2_KEY_ENCRYPTION_KEY_FILE is not set. Configure the key file they were encrypted with.";

    /// <summary>
    /// At start: every stored secret must open (else the start fails naming the KEK they need), and with a KEK
    /// configured, secrets stored in clear (before it was) are sealed now.
    /// </summary>
    private Task ProtectSecretsAtRestAsync(CancellationToken cancellationToken) =>
        _dialect.WriteAsync(false, async (connection, transaction, ct) =>
        {
            var rows = new List<(string Id, string Secrets)>();
            await using (var select = EventLogDialect.Command(connection, transaction, $"SELECT id, secrets FROM {WebhookSchema.Endpoints}"))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    rows.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            foreach (var (id, json) in rows)
            {
                var stored = JsonSerializer.Deserialize(json, StoredJson.Default.ListStoredSecret) ?? [];
                var secrets = ReadSecrets(id, json);
                if (_kek is null || stored.All(s => KeyEncryptionKey.IsProtected(s.Value)))
                {
                    continue;
                }

                await ExecuteAsync(connection, transaction, $"UPDATE {WebhookSchema.Endpoints} SET secrets = @secrets WHERE id = @id", ct,
                    ("@id", id), ("@secrets", SecretsJson(id, secrets)));
            }

            return true;
        }, cancellationToken);
}

internal sealed record StoredSecret(
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("expires_at")] long? ExpiresAt);

[JsonSerializable(typeof(List<StoredSecret>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class StoredJson : JsonSerializerContext;

/// <summary>How the store spells what it keeps as text.</summary>
internal static class WebhookStoreNames
{
    public static string TypesJson(IReadOnlyList<string> types) => JsonSerializer.Serialize(types.ToList(), StoredJson.Default.ListString);

    public static IReadOnlyList<string> ParseTypes(string json) => JsonSerializer.Deserialize(json, StoredJson.Default.ListString) ?? [];
}
