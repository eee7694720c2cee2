using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OAuth2.Actors.Auth.Token;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Events.Webhooks;
using OAuth2.Actors.Server.EventLog;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Serialization;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>The actor system: a (one-node by default) cluster, the sharded entities and the per-node actors.</summary>
public static class ActorSystemSetup
{
    public const string SystemName = "oauth2";

    /// <param name="extend">Where users add their own event plugins and sink actors (<see cref="EventingHostingExtensions"/>).</param>
    public static IServiceCollection AddOAuth2ActorSystem(this IServiceCollection services, Action<AkkaConfigurationBuilder, IServiceProvider>? extend = null)
    {
        services.AddBuiltInTokenGrants();
        services.TryAddSingleton<TokenGrants>();
        services.TryAddSingleton<OAuth2Metrics>();
        services.TryAddSingleton<ServerFailures>();
        // The durable event log, in the server's database (disposed with the container: its SQLite connection is closed).
        services.TryAddSingleton<IEventLogStore>(sp => new SqlEventLogStore(DatabaseSettings.From(sp.GetRequiredService<IOptions<OAuth2Options>>().Value)));
        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<OAuth2Options>>().Value.ToSettings();
            return settings with { SupportedGrantTypes = sp.GetRequiredService<TokenGrants>().EnabledTypes(settings) };
        });
        services.AddAkka(SystemName, (builder, sp) =>
        {
            var options = sp.GetRequiredService<IOptions<OAuth2Options>>().Value;
            var settings = sp.GetRequiredService<ServerSettings>();
            var pipeline = sp.GetRequiredService<EventPipelineSetup>();
            var events = pipeline.Settings;
            var time = sp.GetRequiredService<TimeProvider>();
            var database = DatabaseSettings.From(options);

            if (database.IsSqlite)
            {
                Directory.CreateDirectory(Path.GetFullPath(options.DataDirectory));
            }

            var setup = new OAuth2Setup(settings, time, events);
            var webhooks = pipeline.Webhooks && events.Enabled;
            var tokenActors = options.TokenActors > 0 ? options.TokenActors : Math.Max(2, Environment.ProcessorCount);

            builder
                .AddSetup(new OAuth2MetricsSetup(sp.GetRequiredService<OAuth2Metrics>()))
                .AddHocon(PersistenceConfig(database), HoconAddMode.Prepend)
                .AddHocon(HoconDefaults.Load("akka.conf"), HoconAddMode.Append)
                .AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
                .WithOAuth2Serialization(SerializeAllMessages(sp))
                .ConfigureLoggers(l => l.AddLoggerFactory())
                .WithClusterTransport(options)
                .WithClusterMembership(options)
                .WithEventActor(events, time, pipeline.Plugins, sp.GetRequiredService<IEventLogStore>(), webhooks ? [sp.GetRequiredService<WebhookSinks>()] : [])
                .WithClients(setup)
                .WithTokens(setup, tokenActors)
                .WithUsers(setup)
                .WithGrants(setup)
                .WithResources(setup)
                .WithAuth(setup, sp.GetRequiredService<TokenGrants>(), sp.GetRequiredService<ServerFailures>());

            // A stopping node finishes the requests it is serving before it hands its shards off and leaves.
            if (sp.GetService<RequestDrain>() is { } drain)
            {
                builder.WithRequestDrain(drain, settings.RequestTimeout, sp.GetRequiredService<ILoggerFactory>().CreateLogger<RequestDrain>());
            }

            // Webhooks: each endpoint a durable sink of its own (webhook:{id}), managed by this node's WebhookAdmin.
            if (webhooks)
            {
                builder.WithWebhooks(sp.GetRequiredService<WebhookSinks>());
            }

            extend?.Invoke(builder, sp);
        });

        return services;
    }

    /// <summary>The journal and the snapshot store on Akka.Persistence.Sql, both on the configured database.</summary>
    private static Config PersistenceConfig(DatabaseSettings database)
    {
        string Store(string plugin, string className) => $$"""
            {{plugin}} {
              plugin = "akka.persistence.{{plugin}}.sql"
              sql {
                class = "Akka.Persistence.Sql.{{className}}, Akka.Persistence.Sql"
                connection-string = {{Quote(database.ConnectionString)}}
                provider-name = {{Quote(database.ProviderName)}}
                auto-initialize = on
              }
            }
            """;

        return ConfigurationFactory.ParseString($"akka.persistence {{\n{Store("journal", "Journal.SqlWriteJournal")}\n{Store("snapshot-store", "Snapshot.SqlSnapshotStore")}\n}}");
    }

    /// <summary>OAUTH2_AKKA_SERIALIZE_MESSAGES=on: the test hosts serialize every message, to prove what crosses nodes survives it.</summary>
    private static bool SerializeAllMessages(IServiceProvider sp) =>
        string.Equals(sp.GetRequiredService<IConfiguration>()["OAUTH2_AKKA_SERIALIZE_MESSAGES"], "on", StringComparison.OrdinalIgnoreCase);

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
