using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Newtonsoft.Json;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The management HTTP endpoint that cluster bootstrap probes on every contact point (<c>GET /bootstrap/seed-nodes</c>:
/// who this node is and which members it sees), served by a Kestrel of its own on the management port.
/// </summary>
/// <remarks>
/// Akka.Management would serve it through Akka.Http.Shim 1.5.73, which is built against Ceen.Httpd 0.9.9; the feed
/// serves only 0.9.10, whose <c>HttpServer.ListenAsync</c> takes an <c>EndPoint</c> where 0.9.9 took an
/// <c>IPEndPoint</c>, so Akka.Management's own server fails at start with a MissingMethodException. Akka.Management
/// supports binding the bootstrap route outside it; the answer is built from its own JSON protocol types and serialiser,
/// so it is the one its contact-point probes read. Only this route is served: it is read-only.
/// </remarks>
public sealed class ManagementEndpoint : IAsyncDisposable
{
    public const string SeedNodesPath = "/bootstrap/seed-nodes";

    private readonly WebApplication _app;

    private ManagementEndpoint(WebApplication app) => _app = app;

    /// <summary>The address it listens on (the port actually bound, when 0 was asked for).</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Starts listening on <paramref name="bindHost"/>:<paramref name="port"/> and answers for <paramref name="system"/>.</summary>
    public static async Task<ManagementEndpoint> Start(ActorSystem system, string bindHost, int port, CancellationToken cancellationToken = default)
    {
        // An empty builder: no configuration sources (ASPNETCORE_URLS and the server's own settings are not for this
        // listener), no logging providers, no routing: one path.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls($"http://{UrlHost(bindHost)}:{port}");
        var app = builder.Build();
        app.Run(context => context.Request.Path == SeedNodesPath && HttpMethods.IsGet(context.Request.Method)
            ? SeedNodes(system, context.Response)
            : NotFound(context.Response));
        await app.StartAsync(cancellationToken);
        return new ManagementEndpoint(app);
    }

    /// <summary>What Akka.Management's bootstrap route answers: self, and the members a joining node may use as seeds.</summary>
    internal static string SeedNodesJson(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var self = cluster.SelfMember;
        if (self.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed)
        {
            // A node on its way out is no seed: others must not join through it.
            return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, ImmutableList<HttpBootstrapJsonProtocol.ClusterMember>.Empty));
        }

        var state = cluster.State;
        var members = state.Members
            .Where(m => !state.Unreachable.Contains(m) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
            .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
            .OrderBy(_ => Random.Shared.Next()) // spread the joins of several new nodes over the members
            .ToImmutableList();
        return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members));
    }

    private static Task SeedNodes(ActorSystem system, HttpResponse response)
    {
        response.ContentType = "application/json";
        return response.WriteAsync(SeedNodesJson(system));
    }

    private static Task NotFound(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static string UrlHost(string host) => host switch
    {
        "0.0.0.0" or "*" or "+" => "0.0.0.0",
        _ when IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"[{host}]",
        _ => host,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
