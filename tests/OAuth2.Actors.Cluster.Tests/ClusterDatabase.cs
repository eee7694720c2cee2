using Npgsql;
using OAuth2.Actors.Events.Tests.Support;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// A fresh PostgreSQL database for one test cluster, on the server .ci/services/postgres.sh started
/// (OAUTH2_TEST_POSTGRES_URL); dropped at the end. Without that server the cluster tests are skipped on a developer's
/// machine and fail in CI.
/// </summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    private readonly NpgsqlConnectionStringBuilder _admin;

    private ClusterDatabase(NpgsqlConnectionStringBuilder admin, string name)
    {
        _admin = admin;
        Name = name;
        var uri = new UriBuilder(Environment.GetEnvironmentVariable("OAUTH2_TEST_POSTGRES_URL")!.Trim()) { Path = "/" + name };
        Url = uri.Uri.ToString();
    }

    public string Name { get; }

    /// <summary>The database as the nodes take it (OAUTH2_DATABASE_URL).</summary>
    public string Url { get; }

    public static async Task<ClusterDatabase> Create()
    {
        var url = BrokerEnvironment.Require("OAUTH2_TEST_POSTGRES_URL", "PostgreSQL", ".ci/services/postgres.sh");
        var admin = AdminConnection(url);
        var name = "oauth2_cluster_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new ClusterDatabase(admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(_admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlConnectionStringBuilder AdminConnection(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Pooling = false,
        };
    }
}
