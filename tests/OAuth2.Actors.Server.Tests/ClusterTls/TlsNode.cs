using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests.ClusterTls;

/// <summary>
/// One actor system with the server's name and actor-system defaults, started through Akka.Hosting on a loopback port
/// chosen at bind, with an actor at <c>/user/inbox</c> that records every text that reaches it and the warnings the
/// node logs (Akka's log goes through the host's logger, as in the server). A member is configured by the server's own
/// <see cref="ClusterTransport.WithClusterTransport"/>; an outsider by whatever remoting a test gives it.
/// </summary>
public sealed class TlsNode : IAsyncDisposable
{
    private readonly IHost _host;

    private TlsNode(IHost host, ConcurrentQueue<string> received, CapturedLogs logs)
    {
        _host = host;
        Received = received;
        Logs = logs;
        System = host.Services.GetRequiredService<ActorSystem>();
        Cluster = Akka.Cluster.Cluster.Get(System);
    }

    public ActorSystem System { get; }

    public Akka.Cluster.Cluster Cluster { get; }

    public Address Address => Cluster.SelfAddress;

    public ConcurrentQueue<string> Received { get; }

    public CapturedLogs Logs { get; }

    /// <summary>A node configured exactly as the server configures remoting for these cluster TLS settings.</summary>
    public static Task<TlsNode> Member(string certificateFile, string? password = TestCertificates.Password) =>
        Start(builder => builder.WithClusterTransport(new OAuth2Options
        {
            ClusterHost = "127.0.0.1",
            ClusterPort = 0,
            ClusterTlsCertFile = certificateFile,
            ClusterTlsCertPassword = password,
        }));

    /// <summary>A node with remoting of a test's choosing (not the server's configuration).</summary>
    public static Task<TlsNode> Outsider(RemoteOptions remoting) => Start(builder => builder.WithRemoting(remoting));

    /// <summary>Sends <paramref name="text"/> to the inbox of the node at <paramref name="node"/>.</summary>
    public void Send(Address node, string text) => System.ActorSelection($"{node}/user/inbox").Tell(text);

    public bool IsMemberOf(TlsNode other) => other.Cluster.State.Members.Any(m => m.Address == Address);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static async Task<TlsNode> Start(Action<AkkaConfigurationBuilder> remoting)
    {
        var received = new ConcurrentQueue<string>();
        var logs = new CapturedLogs();
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(logs))
            .ConfigureServices(services => services.AddAkka(ActorSystemSetup.SystemName, builder =>
            {
                builder
                    .AddHocon(HoconDefaults.Load("akka.conf"), HoconAddMode.Append)
                    .ConfigureLoggers(l => l.AddLoggerFactory());
                remoting(builder);
                builder
                    .WithClustering(new ClusterOptions())
                    .WithActors((system, _) => system.ActorOf(Props.Create(() => new Inbox(received)), "inbox"));
            }))
            .Build();
        await host.StartAsync();
        return new TlsNode(host, received, logs);
    }

    private sealed class Inbox : ReceiveActor
    {
        public Inbox(ConcurrentQueue<string> received) => Receive<string>(received.Enqueue);
    }
}
