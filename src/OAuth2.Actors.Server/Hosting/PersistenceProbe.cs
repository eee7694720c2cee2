using System.Data.Common;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>Asks the journal's database a trivial question, with a short timeout, for the readiness check.</summary>
public sealed class PersistenceProbe(IOptions<OAuth2Options> options, ILogger<PersistenceProbe> logger)
{
    private readonly DatabaseSettings _database = DatabaseSettings.From(options.Value);

    public async Task<(bool Ok, string? Error)> Check(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await using var connection = _database.CreateConnection();
            await connection.OpenAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(timeout.Token);
            return (true, null);
        }
        catch (Exception e) when (e is DbException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogWarning("Readiness: the database did not answer: {Reason}", e.GetType().Name);
            return (false, "unreachable");
        }
    }
}
