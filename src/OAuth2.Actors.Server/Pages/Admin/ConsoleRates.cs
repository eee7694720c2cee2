using System.Diagnostics.Metrics;
using OAuth2.Actors.Auth.Pipeline;
using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// The dashboard's rates: this host's tokens issued and events emitted, read from its own meter (the instruments of
/// <see cref="OAuth2Metrics"/>, not another host's in the same process) and sampled every second into the last
/// minute, so a rate is what the last 60 seconds did.
/// </summary>
public sealed class ConsoleRates : IHostedService, IDisposable
{
    private const int Window = 60;
    private readonly MeterListener _listener = new();
    private readonly long[] _tokens = new long[Window + 1];
    private readonly long[] _events = new long[Window + 1];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private ITimer? _timer;
    private long _tokensTotal;
    private long _eventsTotal;
    private int _samples;

    public ConsoleRates(OAuth2Metrics metrics, TimeProvider time)
    {
        _time = time;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name is "oauth2.token.requests" or "oauth2.events.emitted")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(Measured);
    }

    /// <summary>Tokens issued and events emitted since this node started, and per minute over the last minute (or since start, when shorter).</summary>
    public (long Tokens, double TokensPerMinute, long Events, double EventsPerMinute) Read()
    {
        lock (_lock)
        {
            var span = Math.Min(_samples, Window);
            var newest = _samples % (Window + 1);
            var oldest = (_samples - span) % (Window + 1);
            double PerMinute(long[] ring) => span == 0 ? 0 : (ring[newest] - ring[oldest]) * 60.0 / span;
            return (Interlocked.Read(ref _tokensTotal), PerMinute(_tokens), Interlocked.Read(ref _eventsTotal), PerMinute(_events));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        _timer = _time.CreateTimer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _listener.Dispose();
    }

    private void Measured(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == "oauth2.events.emitted")
        {
            Interlocked.Add(ref _eventsTotal, value);
            return;
        }

        foreach (var tag in tags)
        {
            if (tag.Key == "oauth2.outcome" && tag.Value is EndpointMetrics.Issued)
            {
                Interlocked.Add(ref _tokensTotal, value);
            }
        }
    }

    private void Sample()
    {
        lock (_lock)
        {
            _samples++;
            var slot = _samples % (Window + 1);
            _tokens[slot] = Interlocked.Read(ref _tokensTotal);
            _events[slot] = Interlocked.Read(ref _eventsTotal);
        }
    }
}
