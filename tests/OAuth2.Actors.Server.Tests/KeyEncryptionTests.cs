using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The signing keys and the DataProtection key ring at rest, read straight from the server's database: encrypted with
/// the key-encryption key of OAUTH2_KEY_ENCRYPTION_KEY_FILE, re-encrypted when it is configured later, and a start that
/// fails with one clear message when it is required and missing or is the wrong one.
/// </summary>
public sealed class KeyEncryptionTests : IAsyncLifetime
{
    private const string LoginPath = "/auth/login";
    private readonly string _dataDirectory = DataDirectories.New();

    // On PostgreSQL, one database for the hosts of a test (each TestHost.Start would otherwise make a fresh one).
    private string? _database;

    public async Task InitializeAsync() => _database = TestDatabases.PostgresAdminUrl is null ? null : await TestDatabases.Create();

    public async Task DisposeAsync()
    {
        DataDirectories.Delete(_dataDirectory);
        if (_database is not null)
        {
            await TestDatabases.Drop(_database);
        }
    }

    /// <summary>The test's settings, on the test's database.</summary>
    private Dictionary<string, string?> Settings(params (string Name, string? Value)[] settings)
    {
        var all = settings.ToDictionary(s => s.Name, s => s.Value);
        if (_database is not null)
        {
            all["OAUTH2_DATABASE_URL"] = _database;
        }

        return all;
    }

    /// <summary>A KEK file in the data directory: 32 random bytes in base64.</summary>
    private string KekFile(KeyEncryptionKey kek, string name = "kek.b64")
    {
        Directory.CreateDirectory(_dataDirectory);
        var path = Path.Combine(_dataDirectory, name);
        File.WriteAllText(path, kek.ToFileText() + "\n");
        return path;
    }

    /// <summary>
    /// Every row of every table of the host's database (journal, snapshots, DataProtection keys), as text: what anyone
    /// who reads the database sees. Binary columns (the journal's payloads) are read as UTF-8.
    /// </summary>
    private static async Task<string> DatabaseText(TestHost host)
    {
        var database = DatabaseSettings.From(host.Services.GetRequiredService<IOptions<OAuth2Options>>().Value);
        await using var connection = database.CreateConnection();
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = database.IsSqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("oauth2_data_protection_keys", tables);
        var text = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? string.Empty : reader.GetValue(i) is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
                    text.Append('\n');
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The sign-in page protects a CSRF token: DataProtection makes (and stores) its first key.</summary>
    private static async Task UseDataProtection(TestHost host)
    {
        using var page = await host.Client.GetAsync(LoginPath);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static async Task RotateKeys(TestHost host)
    {
        using var rotated = await host.Send(HttpMethod.Post, "/admin/api/keys/rotate", await host.AdminToken());
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
    }

    private static string Messages(Exception e) => e.ToString();

    [Fact]
    public async Task Stored_keys_must_hold_no_clear_key_material_when_a_kek_is_configured()
    {
        var kek = KeyEncryptionKey.Generate();
        await using var host = await TestHost.Start(_dataDirectory, Settings(("OAUTH2_KEY_ENCRYPTION_KEY_FILE", KekFile(kek))));
        await UseDataProtection(host);
        await RotateKeys(host);

        var stored = await DatabaseText(host);

        Assert.DoesNotContain("PRIVATE KEY", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("masterKey", stored, StringComparison.Ordinal);
        Assert.Contains($"{KeyEncryptionKey.Prefix}{kek.KeyId}:", stored, StringComparison.Ordinal);
        Assert.Contains("encryptedSecret", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Warnings, w => w.Contains("stored in clear", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keys_stored_in_clear_before_must_be_encrypted_once_a_kek_is_configured_and_keep_working()
    {
        string token;
        await using (var clear = await TestHost.Start(_dataDirectory, Settings()))
        {
            await UseDataProtection(clear);
            var client = await clear.Register(scope: "read");
            token = await clear.AccessToken(client);
            var before = await DatabaseText(clear);
            // What the test looks for is there in clear without a KEK, and the start said so.
            Assert.Contains("PRIVATE KEY", before, StringComparison.Ordinal);
            Assert.Contains("masterKey", before, StringComparison.Ordinal);
            Assert.Contains(clear.Logs.Warnings, w => w.Contains("OAUTH2_KEY_ENCRYPTION_KEY_FILE is not set", StringComparison.Ordinal));
        }

        var kek = KeyEncryptionKey.Generate();
        await using var encrypted = await TestHost.Start(_dataDirectory, Settings(("OAUTH2_KEY_ENCRYPTION_KEY_FILE", KekFile(kek))));

        // Same signing key (the token from before is active), same key ring (the sign-in page still works).
        Assert.True(await encrypted.IsActive(token));
        await UseDataProtection(encrypted);
        await Eventually.Until(async () =>
        {
            var after = await DatabaseText(encrypted);
            return !after.Contains("PRIVATE KEY", StringComparison.Ordinal) && !after.Contains("masterKey", StringComparison.Ordinal);
        }, "the stored keys are re-encrypted");
    }

    [Fact]
    public async Task Start_must_fail_when_key_encryption_is_required_and_no_kek_is_configured()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.Start(_dataDirectory, Settings(("OAUTH2_REQUIRE_KEY_ENCRYPTION", "true"))));

        Assert.Contains("OAUTH2_REQUIRE_KEY_ENCRYPTION is true but OAUTH2_KEY_ENCRYPTION_KEY_FILE is not set", Messages(failure), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_must_fail_with_a_clear_message_when_the_kek_is_not_the_one_the_keys_were_encrypted_with()
    {
        var kek = KeyEncryptionKey.Generate();
        await using (var first = await TestHost.Start(_dataDirectory, Settings(("OAUTH2_KEY_ENCRYPTION_KEY_FILE", KekFile(kek)))))
        {
            await UseDataProtection(first);
        }

        var other = KeyEncryptionKey.Generate();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() =>
            TestHost.Start(_dataDirectory, Settings(("OAUTH2_KEY_ENCRYPTION_KEY_FILE", KekFile(other, "other.b64")))));

        var message = Messages(failure);
        Assert.Contains($"encrypted with key-encryption key {kek.KeyId}, but OAUTH2_KEY_ENCRYPTION_KEY_FILE holds key {other.KeyId}", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_must_fail_on_a_kek_file_that_is_not_32_bytes_in_base64()
    {
        Directory.CreateDirectory(_dataDirectory);
        var file = Path.Combine(_dataDirectory, "short.b64");
        await File.WriteAllTextAsync(file, Convert.ToBase64String(new byte[16]));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.Start(_dataDirectory, Settings(("OAUTH2_KEY_ENCRYPTION_KEY_FILE", file))));

        Assert.Contains("is not a usable key-encryption key: it holds 16 bytes", Messages(failure), StringComparison.Ordinal);
    }
}
