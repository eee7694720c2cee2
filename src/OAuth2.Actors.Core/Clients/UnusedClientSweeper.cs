using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Clients;

/// <summary>Messages of the one <see cref="UnusedClientSweeper"/> entity.</summary>
public interface IUnusedClientsCommand;

/// <summary>From a client entity: a client was registered openly at <paramref name="IssuedAt"/> (unix seconds).</summary>
public sealed record TrackOpenRegistration(string ClientId, long IssuedAt) : IUnusedClientsCommand;

/// <summary>Look for clients past the unused lifetime now (the sweeper's timer, and a wake-up at start).</summary>
public sealed record SweepUnusedClients : IUnusedClientsCommand
{
    public static readonly SweepUnusedClients Instance = new();
}

/// <summary>Journal events of the sweeper.</summary>
public sealed record OpenRegistrationTracked(string ClientId, long IssuedAt);

public sealed record OpenRegistrationSettled(string ClientId);

/// <summary>
/// Expires openly registered clients that never authenticated (OAUTH2_REGISTRATION_UNUSED_CLIENT_TTL_SECONDS): it
/// remembers each open registration until its lifetime is over, then asks the client's entity to remove itself if it
/// was never used. A client entity checks the same rule whenever it is asked for the client, so an expired client is
/// refused even before the sweeper gets to it; the sweeper is what removes the ones nobody asks for. One entity per
/// cluster (a sharded entity with one id); only open registrations are kept, and each only until it is settled.
/// </summary>
public sealed class UnusedClientSweeper : ReceivePersistentActor
{
    public const string EntityId = "all";
    private const int SnapshotEvery = 1000;
    private readonly Dictionary<string, long> _pending = new(StringComparer.Ordinal);
    private const int MaxInFlight = 100;
    private readonly Dictionary<string, DateTimeOffset> _asked = new(StringComparer.Ordinal);
    private readonly ServerSettings _settings;
    private readonly TimeProvider _time;
    private readonly IActorRef _clients;
    private readonly IActorRef _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ICancelable? _ticks;

    /// <param name="region">This entity's own shard region: the periodic sweeps go through it, so the shard sees the
    /// entity in use and never passivates it (its own timer's messages would not count).</param>
    public UnusedClientSweeper(ServerSettings settings, TimeProvider time, IActorRef clients, IActorRef region)
    {
        _settings = settings;
        _time = time;
        _clients = clients;
        _region = region;

        Recover<OpenRegistrationTracked>(e => _pending[e.ClientId] = e.IssuedAt);
        Recover<OpenRegistrationSettled>(e => _pending.Remove(e.ClientId));
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is OpenRegistrationTracked[] pending)
            {
                foreach (var p in pending)
                {
                    _pending[p.ClientId] = p.IssuedAt;
                }
            }
        });

        Command<StopEntity>(_ => Context.Stop(Self));
        Command<TrackOpenRegistration>(t => Persist(new OpenRegistrationTracked(t.ClientId, t.IssuedAt), e =>
        {
            _pending[e.ClientId] = e.IssuedAt;
            SnapshotNowAndThen();
        }));
        Command<SweepUnusedClients>(_ => Sweep());
        Command<UnusedClientChecked>(c =>
        {
            _asked.Remove(c.ClientId);
            if (!_pending.ContainsKey(c.ClientId))
            {
                return;
            }

            if (c.Removed)
            {
                _log.Info("Expired unused client {ClientId}", c.ClientId);
            }

            Persist(new OpenRegistrationSettled(c.ClientId), e =>
            {
                _pending.Remove(e.ClientId);
                SnapshotNowAndThen();
            });
        });
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    public override string PersistenceId => "unused-clients";

    /// <summary>How often it looks: a tenth of the lifetime, between 10 seconds and an hour.</summary>
    public static TimeSpan SweepInterval(TimeSpan ttl) =>
        TimeSpan.FromTicks(Math.Clamp(ttl.Ticks / 10, TimeSpan.FromSeconds(10).Ticks, TimeSpan.FromHours(1).Ticks));

    public static Props Props(ServerSettings settings, TimeProvider time, IActorRef clients, IActorRef region) =>
        Akka.Actor.Props.Create(() => new UnusedClientSweeper(settings, time, clients, region));

    protected override void PreStart()
    {
        base.PreStart();
        if (_settings.UnusedClientTtl > TimeSpan.Zero)
        {
            _ticks = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(
                TimeSpan.FromSeconds(1), SweepInterval(_settings.UnusedClientTtl), _region, SweepUnusedClients.Instance, Self);
        }
    }

    protected override void PostStop()
    {
        // A hand-off to another node starts the entity there with its own schedule.
        _ticks?.Cancel();
        base.PostStop();
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();

        // An entity that never answered (a node lost meanwhile) is asked again on a later sweep.
        foreach (var stale in _asked.Where(a => now - a.Value > TimeSpan.FromMinutes(1)).Select(a => a.Key).ToList())
        {
            _asked.Remove(stale);
        }

        // A bounded number of questions at a time: each one may start an entity and read its journal.
        var cutoff = now.ToUnixTimeSeconds() - (long)_settings.UnusedClientTtl.TotalSeconds;
        foreach (var clientId in _pending.Where(p => p.Value <= cutoff && !_asked.ContainsKey(p.Key)).Select(p => p.Key).Take(MaxInFlight - _asked.Count).ToList())
        {
            _asked[clientId] = now;
            _clients.Tell(new ExpireUnusedClient(clientId));
        }
    }

    private void SnapshotNowAndThen()
    {
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_pending.Select(p => new OpenRegistrationTracked(p.Key, p.Value)).ToArray());
        }
    }
}
