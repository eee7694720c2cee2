using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Core.Tests;

public class EventBackendsAndFilterTests
{
    [Theory]
    [InlineData(null, new[] { "in_memory" }, new string[0])]
    [InlineData("in_memory", new[] { "in_memory" }, new string[0])]
    [InlineData("memory", new[] { "in_memory" }, new string[0])]
    [InlineData("InMemory", new[] { "in_memory" }, new string[0])]
    [InlineData("console", new[] { "console" }, new string[0])]
    [InlineData("both", new[] { "in_memory", "console" }, new string[0])]
    [InlineData("BOTH", new[] { "in_memory", "console" }, new string[0])]
    [InlineData("console,in_memory", new[] { "console", "in_memory" }, new string[0])]
    [InlineData(" console , in_memory ", new[] { "console", "in_memory" }, new string[0])]
    [InlineData("in_memory,memory,both,console", new[] { "in_memory", "console" }, new string[0])]
    [InlineData("redis_streams,rabbitmq,kafka", new string[0], new[] { "redis_streams", "rabbitmq", "kafka" })]
    [InlineData("in_memory,nats,,sqs", new[] { "in_memory" }, new[] { "nats", "sqs" })]
    [InlineData("nats", new string[0], new[] { "nats" })]
    [InlineData("", new string[0], new string[0])]
    [InlineData(" , ", new string[0], new string[0])]
    public void EventBackends_must_parse_names_aliases_both_and_lists(string? value, string[] known, string[] unknown)
    {
        var (parsedKnown, parsedUnknown) = EventBackends.Parse(value);

        Assert.Equal(known, parsedKnown);
        Assert.Equal(unknown, parsedUnknown);
    }

    [Fact]
    public void EventBackends_must_map_every_alias_to_a_canonical_name()
    {
        // Core's own backends only: a broker's names come from its backend (see the next test).
        var canonical = new[] { EventBackends.InMemory, EventBackends.Console };

        Assert.All(EventBackends.Aliases.Values, name => Assert.Contains(name, canonical));
        Assert.All(canonical, name => Assert.Equal(name, EventBackends.Aliases[name]));
    }

    [Fact]
    public void EventBackends_must_resolve_the_names_and_aliases_a_compiled_backend_declares()
    {
        // A sink Core has never heard of: its own name and alias come from the backend, no Core constant.
        var spellings = EventBackendRegistration.Spellings([new DeclaredBackend("nats", "nats_jetstream")]);

        var (known, unknown) = EventBackends.Parse("NATS_JetStream,console,sqs", spellings);

        Assert.Equal(["nats", "console"], known);
        Assert.Equal(["sqs"], unknown);
        Assert.Equal("nats", spellings["nats"]);
    }

    [Fact]
    public void AddEventBackend_must_be_idempotent()
    {
        var services = new ServiceCollection();

        services.AddEventBackend<DeclaredBackend>().AddEventBackend<DeclaredBackend>();

        Assert.Single(services, d => d.ServiceType == typeof(IEventBackend));
    }

    private sealed class DeclaredBackend(string name, params string[] aliases) : IEventBackend
    {
        public DeclaredBackend()
            : this("declared")
        {
        }

        public string Name => name;

        public IReadOnlyList<string> Aliases => aliases;

        public (IEventPlugin? Plugin, string? Problem) Create(IConfiguration configuration) => (null, "not for use");
    }

    [Fact]
    public void EventFilter_allow_all_must_allow_every_type()
    {
        Assert.All(Enum.GetValues<EventType>(), type => Assert.True(EventFilter.AllowAll.Allows(type)));
        Assert.All(Enum.GetValues<EventType>(), type => Assert.True(new EventFilter(EventFilterMode.AllowAll, new HashSet<EventType> { EventType.TokenCreated }).Allows(type)));
    }

    [Fact]
    public void EventFilter_include_must_allow_only_the_listed_types()
    {
        var filter = new EventFilter(EventFilterMode.Include, new HashSet<EventType> { EventType.TokenCreated, EventType.TokenRevoked });

        Assert.Equal(
            [EventType.TokenCreated, EventType.TokenRevoked],
            Enum.GetValues<EventType>().Where(filter.Allows));
    }

    [Fact]
    public void EventFilter_include_without_types_must_allow_nothing()
    {
        var filter = new EventFilter(EventFilterMode.Include, new HashSet<EventType>());

        Assert.All(Enum.GetValues<EventType>(), type => Assert.False(filter.Allows(type)));
    }

    [Fact]
    public void EventFilter_exclude_must_allow_everything_but_the_listed_types()
    {
        var filter = new EventFilter(EventFilterMode.Exclude, new HashSet<EventType> { EventType.TokenValidated });

        Assert.Equal(
            Enum.GetValues<EventType>().Where(t => t != EventType.TokenValidated),
            Enum.GetValues<EventType>().Where(filter.Allows));
    }

    [Fact]
    public void EventTypeNames_must_round_trip_every_type_by_its_snake_case_name()
    {
        Assert.Equal(14, EventTypeNames.All.Count); // the eventing spec's 13 and client_updated
        foreach (var type in Enum.GetValues<EventType>())
        {
            var name = EventTypeNames.Name(type);
            Assert.Matches("^[a-z]+(_[a-z]+)+$", name);
            Assert.True(EventTypeNames.TryParse(name, out var parsed));
            Assert.Equal(type, parsed);
            Assert.True(EventTypeNames.TryParse(" " + name + " ", out _));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("TokenCreated")]
    [InlineData("TOKEN_CREATED")]
    [InlineData("3")]
    [InlineData("token-created")]
    public void EventTypeNames_must_reject_anything_but_the_snake_case_names(string? name)
    {
        Assert.False(EventTypeNames.TryParse(name, out _));
    }

    [Fact]
    public void EventSettings_must_default_to_the_in_memory_sink_and_allow_all()
    {
        var settings = new EventSettings();

        Assert.True(settings.Enabled);
        Assert.Equal([EventBackends.InMemory], settings.Backends);
        Assert.Equal(EventFilterMode.AllowAll, settings.Filter.Mode);
        Assert.True(settings.SinkBufferSize > 0);
        Assert.True(settings.PluginTimeout > TimeSpan.Zero);
        Assert.True(settings.DedupWindow > TimeSpan.Zero);
    }
}
