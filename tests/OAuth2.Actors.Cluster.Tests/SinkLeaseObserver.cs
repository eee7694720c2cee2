using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.EventLog;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>One look at a sink's row: who held its lease and until when, as the database said at <paramref name="At"/>.</summary>
public sealed record LeaseSeen(DateTimeOffset At, string? Owner, DateTimeOffset? LeaseUntil, long Cursor);

/// <summary>
/// Reads one sink's row (the store the nodes share, through its own connection) every 100 ms until disposed: the
/// history of its lease, to check that no owner took the sink while another's lease was still running.
/// </summary>
public sealed class SinkLeaseObserver : IAsyncDisposable
{
    private readonly SqlEventLogStore _store;
    private readonly string _sink;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<LeaseSeen> _seen = [];
    private readonly Lock _lock = new();
    private readonly Task _loop;

    public SinkLeaseObserver(string databaseUrl, string sink)
    {
        _store = new SqlEventLogStore(DatabaseSettings.From(new OAuth2Options { DatabaseUrl = databaseUrl }));
        _sink = sink;
        _loop = Task.Run(Observe);
    }

    public IReadOnlyList<LeaseSeen> Seen
    {
        get
        {
            lock (_lock)
            {
                return _seen.ToArray();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _store.DisposeAsync();
        _stop.Dispose();
    }

    private async Task Observe()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var row = (await _store.SinksAsync(_stop.Token)).FirstOrDefault(s => s.Sink == _sink);
                if (row is not null)
                {
                    lock (_lock)
                    {
                        _seen.Add(new LeaseSeen(DateTimeOffset.UtcNow, row.Owner, row.LeaseUntil, row.Position));
                    }
                }

                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The observer is a witness, not a participant: a failed read is retried.
            }
        }
    }
}
