using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace OAuth2.Actors.Events.Tests.Support;

/// <summary>A broker sink's options as read from configuration: the seed's defaults when nothing is set.</summary>
public abstract class SinkOptionsTests<TOptions>
    where TOptions : class, IBrokerSinkOptions<TOptions>
{
    protected static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build();

    /// <summary>The options read from <paramref name="values"/>; fails when they are refused.</summary>
    protected static TOptions Read(params (string Key, string? Value)[] values)
    {
        var (options, problem) = TOptions.FromConfiguration(Config(values));
        Assert.Null(problem);
        return options!;
    }

    /// <summary>Why the options read from <paramref name="values"/> are refused; fails when they are not.</summary>
    protected static string Refused(params (string Key, string? Value)[] values)
    {
        var (options, problem) = TOptions.FromConfiguration(Config(values));
        Assert.Null(options);
        return Assert.IsType<string>(problem);
    }

    [Fact]
    public void Options_must_default_to_the_seed_values() => AssertSeedDefaults(Read());

    /// <summary>The seed's value of every setting.</summary>
    protected abstract void AssertSeedDefaults(TOptions options);
}

/// <summary>
/// What every URL-configured broker sink's options must do, whatever the broker: a malformed URL is a problem the
/// backend answers instead of a plugin, and an unreachable broker still gives a plugin at once (unhealthy, failing a
/// batch so that the sink retries it). No broker needed.
/// </summary>
/// <param name="name">The backend's canonical name.</param>
/// <param name="urlKey">Its URL variable.</param>
/// <param name="malformedUrl">A URL the options refuse.</param>
/// <param name="unreachableUrl">A well-formed URL on a closed port.</param>
public abstract class BrokerSinkOptionsTests<TOptions>(string name, string urlKey, string malformedUrl, string unreachableUrl) : SinkOptionsTests<TOptions>
    where TOptions : class, IBrokerSinkOptions<TOptions>
{
    [Fact]
    public void Backend_must_answer_the_problem_instead_of_a_plugin_for_a_malformed_url()
    {
        using var backend = new BrokerEventBackend<TOptions>();
        var (plugin, problem) = backend.Create(Config((urlKey, malformedUrl)));
        Assert.Null(plugin);
        Assert.Contains(urlKey, problem, StringComparison.Ordinal);
        Assert.Equal(name, backend.Name);
    }

    [Fact]
    public async Task Plugin_must_start_while_the_broker_is_unreachable_and_report_unhealthy()
    {
        // A closed port: the plugin is created at once (no exception), is unhealthy, and a batch fails so the sink retries it.
        var (plugin, refused) = Read((urlKey, unreachableUrl)).CreatePlugin(NullLoggerFactory.Instance);
        Assert.Null(refused);
        await using var owned = Assert.IsAssignableFrom<IAsyncDisposable>(plugin);
        Assert.Equal(name, plugin!.Name);
        Assert.True(plugin.Options.RetryUntilDelivered);
        Assert.True(plugin.Options.MaxBatch > 1);
        Assert.False(await plugin.HealthCheckAsync(CancellationToken.None));
        var envelope = TestEnvelopes.Create(EventType.TokenCreated);
        await Assert.ThrowsAnyAsync<Exception>(() => plugin.EmitBatchAsync([envelope, envelope], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
