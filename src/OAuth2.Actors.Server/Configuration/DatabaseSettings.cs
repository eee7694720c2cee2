namespace OAuth2.Actors.Server.Configuration;

/// <summary>Where the journal and snapshots live: SQLite by default, PostgreSQL when OAUTH2_DATABASE_URL says so.</summary>
public sealed record DatabaseSettings(string ProviderName, string ConnectionString, bool IsSqlite)
{
    public static DatabaseSettings From(OAuth2Options options)
    {
        var url = options.DatabaseUrl?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            var path = Path.GetFullPath(Path.Combine(options.DataDirectory, "oauth2.db"));
            return new DatabaseSettings("SQLite.MS", $"Data Source={path}", true);
        }

        if (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new FormatException("OAUTH2_DATABASE_URL is not a valid postgres:// URL.");
            }

            var userInfo = uri.UserInfo.Split(':', 2);
            var parts = new List<string>
            {
                $"Host={uri.Host}",
                $"Port={(uri.Port > 0 ? uri.Port : 5432)}",
                $"Database={(Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres")}",
            };
            if (userInfo[0].Length > 0)
            {
                parts.Add($"Username={Uri.UnescapeDataString(userInfo[0])}");
            }

            if (userInfo.Length > 1)
            {
                parts.Add($"Password={Uri.UnescapeDataString(userInfo[1])}");
            }

            return new DatabaseSettings("PostgreSQL.15", string.Join(';', parts), false);
        }

        if (url.StartsWith("Host=", StringComparison.OrdinalIgnoreCase))
        {
            return new DatabaseSettings("PostgreSQL.15", url, false);
        }

        if (url.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase))
        {
            return new DatabaseSettings("SQLite.MS", url, true);
        }

        throw new FormatException("OAUTH2_DATABASE_URL must be a postgres:// URL, a 'Host=...' or a 'Data Source=...' connection string.");
    }

    /// <summary>A new, unopened connection to the database (for the server's own tables and the readiness probe).</summary>
    public System.Data.Common.DbConnection CreateConnection() => IsSqlite
        ? new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString)
        : new Npgsql.NpgsqlConnection(ConnectionString);

    public override string ToString() => $"DatabaseSettings {{ ProviderName = {ProviderName} }}";
}
