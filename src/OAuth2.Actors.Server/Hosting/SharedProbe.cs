namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// A probe run at most once per <paramref name="period"/> however many callers ask: callers that arrive while a probe
/// runs, or within the period after it started, share its result. Public health endpoints stay cheap under any request
/// rate (no database connection or broker ping per request).
/// </summary>
public sealed class SharedProbe<T>(Func<CancellationToken, Task<T>> probe, TimeProvider time, TimeSpan period)
{
    private readonly Lock _gate = new();
    private Task<T>? _last;
    private DateTimeOffset _startedAt;

    /// <summary>The last result, or a new probe's when the last one is finished and older than the period.</summary>
    public Task<T> Get(CancellationToken cancellationToken)
    {
        Task<T> shared;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_last is null || (_last.IsCompleted && now - _startedAt >= period))
            {
                _startedAt = now;

                // Not the caller's token: the first caller going away must not cancel the answer the others wait for.
                _last = Task.Run(() => probe(CancellationToken.None), CancellationToken.None);
            }

            shared = _last;
        }

        return shared.WaitAsync(cancellationToken);
    }
}
