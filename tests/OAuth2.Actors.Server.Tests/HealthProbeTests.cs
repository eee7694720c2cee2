using Microsoft.Extensions.DependencyInjection;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Server.Hosting;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// /ready and /events/health are public: their probes (a database connection, a question to every event sink) run at
/// most once a second whatever the request rate, and their details (checks, cluster, sink names, counters) are shown
/// only to a bearer of an admin or events:read token.
/// </summary>
public sealed class HealthProbeTests(HealthProbeTests.CountingFixture counting) : HostTests<HealthProbeTests.CountingFixture>(counting)
{
    private readonly CountingFixture _fixture = counting;

    [Theory]
    [InlineData("/ready", "ready")]
    [InlineData("/events/health", "healthy")]
    public async Task Health_endpoint_must_answer_the_status_alone_without_a_token(string path, string status)
    {
        var (code, body) = await Host.GetJson(path);

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(status, body.GetProperty("status").GetString());
        Assert.Equal(["status"], body.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("/ready")]
    [InlineData("/events/health")]
    public async Task Health_endpoint_must_answer_the_status_alone_to_a_token_without_admin_or_events_read(string path)
    {
        var (_, token) = await Host.RegisterWithToken("read");

        var (code, body) = await Host.GetJson(path, token);

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(["status"], body.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("/ready")]
    [InlineData("/events/health")]
    public async Task Health_endpoint_must_answer_the_status_alone_to_an_invalid_token(string path)
    {
        var (code, body) = await Host.GetJson(path, "not-a-token");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(["status"], body.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Health_endpoints_must_show_their_details_to_an_events_read_token()
    {
        var reader = await Host.RegisterAsAdmin("events:read");
        var token = await Host.AccessToken(reader);

        var (_, ready) = await Host.GetJson("/ready", token);
        var (_, events) = await Host.GetJson("/events/health", token);

        Assert.Equal("reachable", ready.GetProperty("checks").GetProperty("persistence").GetString());
        Assert.True(ready.GetProperty("checks").GetProperty("cluster").TryGetProperty("members", out _));
        Assert.Equal("healthy", events.GetProperty("status").GetString());
        Assert.Contains(events.GetProperty("plugins").EnumerateArray(), p => p.GetProperty("name").GetString() == "in_memory");
    }

    [Fact]
    public async Task Health_probes_must_run_once_per_second_however_many_requests_arrive()
    {
        var clock = _fixture.Clock;
        var counts = _fixture.Counts;
        clock.Freeze();
        try
        {
            // Past the period of whatever probe ran before: the next request probes once, and every other shares it.
            clock.Advance(HealthProbes.Period);
            var (readiness, sinks) = (counts.Readiness, counts.EventHealth);

            await Burst(60);

            Assert.Equal(readiness + 1, counts.Readiness);
            Assert.Equal(sinks + 1, counts.EventHealth);

            // Within the second: no probe at all.
            clock.Advance(HealthProbes.Period - TimeSpan.FromMilliseconds(1));
            await Burst(20);
            Assert.Equal(readiness + 1, counts.Readiness);
            Assert.Equal(sinks + 1, counts.EventHealth);

            // The second is over: one more.
            clock.Advance(TimeSpan.FromMilliseconds(1));
            await Burst(20);
            Assert.Equal(readiness + 2, counts.Readiness);
            Assert.Equal(sinks + 2, counts.EventHealth);
        }
        finally
        {
            clock.Resume();
        }
    }

    /// <summary><paramref name="requests"/> concurrent calls, half to /ready and half to /events/health, all answered 200.</summary>
    private async Task Burst(int requests)
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => Host.GetJson(i % 2 == 0 ? "/ready" : "/events/health")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
    }

    /// <summary>A server whose health probes read <see cref="Clock"/> and whose probes are counted.</summary>
    public sealed class CountingFixture : TestHostFixture
    {
        public SteppedClock Clock { get; } = new();

        public ProbeCounts Counts { get; } = new();

        protected override Action<IServiceCollection>? Services => services =>
        {
            services.AddSingleton<IEventGateway>(sp => new CountingEventGateway(ActivatorUtilities.CreateInstance<EventGateway>(sp), Counts));
            services.AddSingleton<IOAuthGateway>(sp => new CountingOAuthGateway(ActivatorUtilities.CreateInstance<OAuthGateway>(sp), Counts));
            services.AddSingleton(sp => HealthProbes.Create(sp, Clock));
        };
    }

    public sealed class ProbeCounts
    {
        private int _readiness;
        private int _eventHealth;

        /// <summary>Readiness probes (each asks the token service for its status once).</summary>
        public int Readiness => Volatile.Read(ref _readiness);

        /// <summary>Questions to the event sinks' health.</summary>
        public int EventHealth => Volatile.Read(ref _eventHealth);

        public void CountReadiness() => Interlocked.Increment(ref _readiness);

        public void CountEventHealth() => Interlocked.Increment(ref _eventHealth);
    }

    /// <summary>The system clock, until frozen; then moved only by <see cref="Advance"/>.</summary>
    public sealed class SteppedClock : TimeProvider
    {
        private readonly Lock _gate = new();
        private DateTimeOffset? _frozen;

        public override DateTimeOffset GetUtcNow()
        {
            lock (_gate)
            {
                return _frozen ?? System.GetUtcNow();
            }
        }

        public void Freeze()
        {
            lock (_gate)
            {
                _frozen = System.GetUtcNow();
            }
        }

        public void Advance(TimeSpan by)
        {
            lock (_gate)
            {
                _frozen += by;
            }
        }

        public void Resume()
        {
            lock (_gate)
            {
                _frozen = null;
            }
        }
    }

    private sealed class CountingEventGateway(IEventGateway inner, ProbeCounts counts) : IEventGateway
    {
        public bool Enabled => inner.Enabled;

        public IReadOnlyList<string> DurableSinks => inner.DurableSinks;

        public Task<EventLogHealth?> LogHealth(CancellationToken cancellationToken) => inner.LogHealth(cancellationToken);

        public Task<EventLogPage?> QueryLog(EventLogQuery query, CancellationToken cancellationToken) => inner.QueryLog(query, cancellationToken);

        public Task<LoggedEventFound?> Find(string eventId, CancellationToken cancellationToken) => inner.Find(eventId, cancellationToken);

        public Task<object?> Sink(IEventSinkCommand command, CancellationToken cancellationToken) => inner.Sink(command, cancellationToken);

        public Task<IngestReply?> Ingest(IngestEvent ingest, CancellationToken cancellationToken) => inner.Ingest(ingest, cancellationToken);

        public Task<EventSubscription?> Subscribe(Func<EventEnvelope, bool> filter, int capacity, CancellationToken cancellationToken) => inner.Subscribe(filter, capacity, cancellationToken);

        public Task<EventHealth?> Health(CancellationToken cancellationToken)
        {
            counts.CountEventHealth();
            return inner.Health(cancellationToken);
        }
    }

    private sealed class CountingOAuthGateway(IOAuthGateway inner, ProbeCounts counts) : IOAuthGateway
    {
        public Task<OAuthReply> Send(object request, CancellationToken cancellationToken) => inner.Send(request, cancellationToken);

        public Task<T?> Query<T>(object request, TimeSpan timeout, CancellationToken cancellationToken)
            where T : class
        {
            if (request is GetTokenServiceStatus)
            {
                counts.CountReadiness();
            }

            return inner.Query<T>(request, timeout, cancellationToken);
        }
    }
}
