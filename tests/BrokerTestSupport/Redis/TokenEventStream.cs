using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>
/// An independent consumer of the sink's stream (its own StackExchange.Redis connection, XRANGE pages from where it
/// stopped): the token_created events it has received, by the jti they carry (metadata.jti), with their event times.
/// A stream emptied by a Redis restart is read again from the start. When each entry was written is its id's time
/// (Redis assigns ids from its clock, in milliseconds).
/// </summary>
public sealed class TokenEventStream : IAsyncDisposable
{
    private const int Page = 10_000;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _stream;
    private readonly Dictionary<string, TokenEvent> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _written = [];
    private string _after = "-";

    private TokenEventStream(ConnectionMultiplexer redis, string stream)
    {
        _redis = redis;
        _stream = stream;
    }

    /// <summary>token_created events received, by jti.</summary>
    public IReadOnlyDictionary<string, TokenEvent> Tokens => _tokens;

    /// <summary>When each entry read was written to the stream (its id's time), in stream order.</summary>
    public IReadOnlyList<DateTimeOffset> Written => _written;

    /// <summary>Entries read (every type, duplicates included).</summary>
    public long Entries { get; private set; }

    /// <summary>Entries whose event id had been read before (redelivered).</summary>
    public long Duplicates { get; private set; }

    public static async Task<TokenEventStream> Connect(RedisProcess redis, string stream)
    {
        var configuration = ConfigurationOptions.Parse($"127.0.0.1:{redis.Port}");
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 3000;
        configuration.SyncTimeout = 10_000;
        configuration.AsyncTimeout = 10_000;
        return new TokenEventStream(await ConnectionMultiplexer.ConnectAsync(configuration), stream);
    }

    /// <summary>Reads what was appended since the last read; false when Redis did not answer (down, or reconnecting).</summary>
    public async Task<bool> Read()
    {
        try
        {
            var database = _redis.GetDatabase();
            while (true)
            {
                var entries = await database.StreamRangeAsync(_stream, _after, "+", Page);
                if (entries.Length == 0)
                {
                    if (_after != "-" && await database.StreamLengthAsync(_stream) == 0)
                    {
                        // Redis came back empty (no persistence): what the sink delivers now starts a new stream.
                        _after = "-";
                    }

                    return true;
                }

                foreach (var entry in entries)
                {
                    Take(entry);
                }

                _after = "(" + entries[^1].Id;
                if (entries.Length < Page)
                {
                    return true;
                }
            }
        }
        catch (RedisException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads until every one of <paramref name="jtis"/> has arrived (true) or <paramref name="within"/> has passed
    /// (false: <see cref="Missing"/> says which).
    /// </summary>
    public async Task<bool> WaitForAll(IReadOnlyCollection<string> jtis, TimeSpan within)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        while (true)
        {
            await Read();
            if (Missing(jtis).Count == 0)
            {
                return true;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Those of <paramref name="jtis"/> whose token_created event has not arrived.</summary>
    public IReadOnlyList<string> Missing(IEnumerable<string> jtis) => jtis.Where(j => !_tokens.ContainsKey(j)).ToArray();

    /// <summary>The jti claim of an access token (its JWT payload), the id its token_created event carries in metadata.jti.</summary>
    public static string JtiOf(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload));
        return claims.RootElement.GetProperty("jti").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _redis.GetDatabase().KeyDeleteAsync(_stream);
        }
        catch (RedisException)
        {
            // Cleanup only: the test's own Redis goes with it.
        }

        await _redis.DisposeAsync();
    }

    private void Take(StreamEntry entry)
    {
        Entries++;
        var id = entry.Id.ToString();
        _written.Add(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(id[..id.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture)));
        if (!_eventIds.Add(entry["event_id"].ToString()))
        {
            Duplicates++;
        }

        if (entry["event_type"] != "token_created")
        {
            return;
        }

        using var payload = JsonDocument.Parse(entry["payload"].ToString());
        var e = payload.RootElement.GetProperty("event");
        var jti = e.GetProperty("metadata").GetProperty("jti").GetString()!;
        _tokens.TryAdd(jti, new TokenEvent(jti, e.GetProperty("client_id").GetString(), e.GetProperty("timestamp").GetDateTimeOffset(), _written[^1]));
    }
}

/// <summary>A token_created event as the consumer read it: its event time and when it was first written to the stream.</summary>
public sealed record TokenEvent(string Jti, string? ClientId, DateTimeOffset Timestamp, DateTimeOffset Written);
