using Microsoft.Extensions.Logging;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>The endpoint as deliveries see it, read again from the store at most every <see cref="ReloadInterval"/>.</summary>
public sealed partial class WebhookEndpointPlugin
{
    /// <summary>Bumped by every change this plugin makes to the cached endpoint (under <c>_lock</c>).</summary>
    private long _cacheVersion;

    private EndpointState? Current => Volatile.Read(ref _cached)?.State;

    private async Task<EndpointState?> EndpointAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && _time.GetElapsedTime(cached.LoadedAt) < ReloadInterval)
        {
            return cached.State;
        }

        Task<Cached> loading;
        lock (_lock)
        {
            if (_loading is null || _loading.IsCompleted)
            {
                _loading = LoadAsync(_cacheVersion);
            }

            loading = _loading;
        }

        try
        {
            return (await loading.WaitAsync(cancellationToken).ConfigureAwait(false)).State;
        }
        catch (Exception e) when (cached is not null && !cancellationToken.IsCancellationRequested)
        {
            // The store did not answer: deliveries go on with what was read last.
            LogStoreFailed(_logger, _id, "read the endpoint", e.GetType().Name + ": " + e.Message);
            return cached.State;
        }
    }

    /// <summary>
    /// Reads the endpoint. A read that began before this plugin changed the endpoint itself (disabled it after a 410, say)
    /// may return the row from before the change: it is then dropped, not cached over the newer state.
    /// </summary>
    private async Task<Cached> LoadAsync(long version)
    {
        var endpoint = await _store.GetAsync(_id, CancellationToken.None).ConfigureAwait(false);
        var loaded = new Cached(endpoint is null ? null : EndpointState.Of(endpoint), _time.GetTimestamp());
        lock (_lock)
        {
            if (_cacheVersion != version && Volatile.Read(ref _cached) is { } newer)
            {
                return newer;
            }

            Volatile.Write(ref _cached, loaded);
            return loaded;
        }
    }

    private void SetCached(WebhookEndpoint endpoint)
    {
        lock (_lock)
        {
            _cacheVersion++;
            Volatile.Write(ref _cached, new Cached(EndpointState.Of(endpoint), _time.GetTimestamp()));
        }
    }

    private void UpdateCached(Func<WebhookEndpoint, WebhookEndpoint> change)
    {
        lock (_lock)
        {
            if (Volatile.Read(ref _cached) is { State: { } state } cached)
            {
                _cacheVersion++;
                Volatile.Write(ref _cached, cached with { State = state with { Endpoint = change(state.Endpoint) } });
            }
        }
    }

    private sealed record Cached(EndpointState? State, long LoadedAt);

    /// <summary>An event to attempt for the first time, with its log position when the consumer gave it.</summary>
    private readonly record struct Pending(EventEnvelope Envelope, long? Position);

    /// <summary>The endpoint as deliveries use it: its filter compiled, its URL parsed, its secrets' keys decoded.</summary>
    private sealed record EndpointState(WebhookEndpoint Endpoint, EventSinkPolicy Policy, Uri Url, IReadOnlyList<(WebhookSecret Secret, byte[] Key)> Keys)
    {
        public static EndpointState Of(WebhookEndpoint endpoint) => new(
            endpoint,
            new EventSinkPolicy(endpoint.EventTypes, null, null),
            new Uri(endpoint.Url, UriKind.Absolute),
            endpoint.Secrets.Select(s => (s, WebhookSigner.KeyOf(s.Value))).ToArray());

        public IReadOnlyList<byte[]> KeysAt(DateTimeOffset now)
        {
            var live = new List<byte[]>(Keys.Count);
            foreach (var (secret, key) in Keys)
            {
                if (secret.ExpiresAt is not { } end || end > now)
                {
                    live.Add(key);
                }
            }

            return live;
        }
    }
}
