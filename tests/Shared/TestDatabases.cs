using Npgsql;
using OAuth2.Actors.Server.Configuration;

namespace OAuth2.Actors.Testing;

/// <summary>
/// The database a test host journals to. By default none is chosen here: the server uses SQLite in its data directory.
/// With <c>OAUTH2_TEST_DATABASE=postgres</c> and <c>OAUTH2_TEST_POSTGRES_URL</c> (a <c>postgres://</c> URL of a server the
/// tests may create databases on: <c>.ci/services/postgres.sh</c> starts one), every host gets a fresh database of its
/// own, <c>oauth2_test_&lt;random&gt;</c>, created through that URL and dropped when the host is done with it.
/// </summary>
public static class TestDatabases
{
    public const string SelectVariable = "OAUTH2_TEST_DATABASE";
    public const string PostgresUrlVariable = "OAUTH2_TEST_POSTGRES_URL";

    private const string Prefix = "oauth2_test_";

    private static readonly Lazy<string?> AdminUrl = new(ReadAdminUrl);

    /// <summary>The admin URL when the tests run on PostgreSQL, null on SQLite (the default).</summary>
    public static string? PostgresAdminUrl => AdminUrl.Value;

    /// <summary>Creates an empty database and returns its postgres:// URL (the admin URL with the new database's name).</summary>
    public static Task<string> Create() =>
        Create(PostgresAdminUrl ?? throw new InvalidOperationException("The tests do not run on PostgreSQL."));

    /// <summary>
    /// Creates an empty database through <paramref name="admin"/> (a postgres:// URL: a test that needs PostgreSQL whatever
    /// OAUTH2_TEST_DATABASE says passes OAUTH2_TEST_POSTGRES_URL) and returns its URL.
    /// </summary>
    public static async Task<string> Create(string admin)
    {
        var name = Prefix + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString(admin)))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE \"{name}\"";
            await command.ExecuteNonQueryAsync();
        }

        return new UriBuilder(admin) { Path = "/" + name }.Uri.ToString();
    }

    /// <summary>
    /// Drops a database made by <see cref="Create()"/>, connections and all (best effort: a database left behind on a
    /// throwaway test server affects no other test).
    /// </summary>
    public static Task Drop(string url) => Drop(url, PostgresAdminUrl);

    /// <summary>Drops a database made by <see cref="Create(string)"/> through <paramref name="admin"/> (best effort).</summary>
    public static async Task Drop(string url, string? admin)
    {
        var name = Uri.UnescapeDataString(new Uri(url).AbsolutePath.TrimStart('/'));
        if (admin is null || !name.StartsWith(Prefix, StringComparison.Ordinal) || name.Contains('"', StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            // The stopped host's idle pooled connections are closed properly first; FORCE ends whatever is left.
            await using (var pooled = new NpgsqlConnection(ConnectionString(url)))
            {
                NpgsqlConnection.ClearPool(pooled);
            }

            await using var connection = new NpgsqlConnection(ConnectionString(admin));
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
        }
    }

    /// <summary>The Npgsql connection string for a postgres:// URL, read as the server reads OAUTH2_DATABASE_URL.</summary>
    private static string ConnectionString(string url) => DatabaseSettings.From(new OAuth2Options { DatabaseUrl = url }).ConnectionString;

    private static string? ReadAdminUrl()
    {
        var selected = Environment.GetEnvironmentVariable(SelectVariable);
        if (string.IsNullOrWhiteSpace(selected) || string.Equals(selected, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!string.Equals(selected, "postgres", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{SelectVariable} must be 'postgres' or 'sqlite', not '{selected}'.");
        }

        var url = Environment.GetEnvironmentVariable(PostgresUrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            // Asked for PostgreSQL: running on SQLite instead would pass without testing what was asked.
            throw new InvalidOperationException($"{SelectVariable}=postgres needs {PostgresUrlVariable} (see .ci/services/postgres.sh).");
        }

        return url.Trim();
    }
}
