using System.Net.Sockets;
using Akka.Actor;
using Akka.Remote.Hosting;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests.ClusterTls;

/// <summary>
/// With OAUTH2_CLUSTER_TLS_CERT_FILE set, only nodes that hold the cluster's certificate get in: members configured by
/// the server's own code form a cluster and talk; outsiders (no TLS, TLS without a client certificate, TLS with another
/// certificate) reach the port, are refused there, never become members and never deliver a message; and a member does
/// not deliver to a node that presents another certificate (and, as Akka.Remote 1.5.73 does on any failed outbound
/// handshake, stops itself). The outsiders accept any server certificate, so what refuses them is the member's check;
/// the control test gives the same outsider the cluster's file and it gets in.
/// </summary>
public sealed class ClusterTlsTests(TlsClusterFixture cluster) : IClassFixture<TlsClusterFixture>
{
    /// <summary>
    /// How long a refused outsider keeps trying: past a first join attempt, its retry and Akka's 5 s gate after a failed
    /// association, while a node with the certificate gets in within a second or two. (An outsider speaking TLS stops
    /// itself after its first refused handshake, as Akka does; for it the window shows that nothing arrives late.)
    /// </summary>
    private static readonly TimeSpan RefusalWindow = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Members_with_the_cluster_certificate_must_form_a_cluster_and_exchange_messages()
    {
        Assert.Equal("akka.ssl.tcp", cluster.First.Address.Protocol);
        Assert.True(cluster.Second.IsMemberOf(cluster.First));
        Assert.True(cluster.First.IsMemberOf(cluster.Second));

        var there = $"second to first {Guid.NewGuid():N}";
        var back = $"first to second {Guid.NewGuid():N}";
        cluster.Second.Send(cluster.First.Address, there);
        cluster.First.Send(cluster.Second.Address, back);

        await Eventually.Until(() => Task.FromResult(cluster.First.Received.Contains(there)), "the second member's message at the first");
        await Eventually.Until(() => Task.FromResult(cluster.Second.Received.Contains(back)), "the first member's message at the second");
    }

    [Fact]
    public async Task Outsider_without_tls_must_be_refused()
    {
        await using var outsider = await TlsNode.Outsider(new RemoteOptions { HostName = "127.0.0.1", Port = 0 });
        var target = new Address("akka.tcp", cluster.First.Address.System, cluster.First.Address.Host, cluster.First.Address.Port);

        var refusalsBefore = Refusals(cluster.First, "Rejected incoming connection");

        // The member's port speaks only TLS: the outsider's first bytes fail the handshake.
        await AssertRefused(outsider, target, evidence: () => Refusals(cluster.First, "Rejected incoming connection") > refusalsBefore);
    }

    [Fact]
    public async Task Outsider_with_tls_but_no_client_certificate_must_be_refused()
    {
        await using var outsider = await TlsNode.Outsider(AcceptsAnyServer(cluster.OtherCertificate, presentsCertificate: false));
        var refusalsBefore = Refusals(cluster.First, "did not provide a certificate");

        await AssertRefused(outsider, cluster.First.Address, evidence: () => Refusals(cluster.First, "did not provide a certificate") > refusalsBefore);
    }

    [Fact]
    public async Task Outsider_with_another_certificate_must_be_refused()
    {
        await using var outsider = await TlsNode.Outsider(AcceptsAnyServer(cluster.OtherCertificate, presentsCertificate: true));
        var refusalsBefore = Refusals(cluster.First, "CN=someone-else");

        await AssertRefused(outsider, cluster.First.Address, evidence: () => Refusals(cluster.First, "CN=someone-else") > refusalsBefore);
    }

    [Fact]
    public async Task Member_must_not_deliver_to_a_node_with_another_certificate_and_stops_itself()
    {
        // This node would take anything: only the member's own check can stop the message. A member of its own (not the
        // fixture's), because Akka.Remote 1.5.73 runs CoordinatedShutdown on a node whose outbound TLS handshake fails.
        await using var impostor = await TlsNode.Outsider(AcceptsAnyServer(cluster.OtherCertificate, presentsCertificate: true));
        await using var member = await TlsNode.Member(cluster.ClusterCertificate);
        var text = $"secret for {impostor.Address} {Guid.NewGuid():N}";

        member.Send(impostor.Address, text);
        await Eventually.Until(() => Task.FromResult(member.System.WhenTerminated.IsCompleted), "the member stopped after refusing the impostor's certificate");

        Assert.Contains(member.Logs.Warnings, w => w.Contains("Cluster TLS: refused", StringComparison.Ordinal) && w.Contains("CN=someone-else", StringComparison.Ordinal));
        Assert.DoesNotContain(text, impostor.Received);
    }

    [Fact]
    public async Task Member_must_stop_itself_when_a_peer_closes_the_connection_during_the_handshake()
    {
        // Not an attack, a peer dying mid-handshake: Akka 1.5.73 treats it like any failed outbound handshake.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
        });
        await using var member = await TlsNode.Member(cluster.ClusterCertificate);

        member.Send(new Address("akka.ssl.tcp", ActorSystemSetup.SystemName, "127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port), "hello");

        await closer;
        await Eventually.Until(() => Task.FromResult(member.System.WhenTerminated.IsCompleted), "the member stopped after a handshake cut short");
    }

    [Fact]
    public async Task Same_outsider_given_the_cluster_certificate_must_get_in()
    {
        await using var insider = await TlsNode.Outsider(AcceptsAnyServer(cluster.ClusterCertificate, presentsCertificate: true));
        var text = $"from {insider.Address}";

        insider.Cluster.Join(cluster.First.Address);
        await Eventually.Until(
            () =>
            {
                insider.Send(cluster.First.Address, text);
                return Task.FromResult(cluster.First.Received.Contains(text) && insider.IsMemberOf(cluster.First));
            },
            "the node with the cluster's certificate a member, its message delivered");
    }

    /// <summary>
    /// Keeps joining and sending for <see cref="RefusalWindow"/>; then the refusal must have been seen (so the outsider
    /// really reached the cluster), it must not be a member on either side, and nothing it sent may have arrived.
    /// </summary>
    private async Task AssertRefused(TlsNode outsider, Address target, Func<bool> evidence)
    {
        var text = $"from outsider {outsider.Address} {Guid.NewGuid():N}";
        outsider.Cluster.Join(target);
        var until = DateTimeOffset.UtcNow + RefusalWindow;
        while (DateTimeOffset.UtcNow < until)
        {
            outsider.Send(target, text);
            Assert.False(outsider.IsMemberOf(cluster.First), "the outsider became a member");
            await Task.Delay(250);
        }

        Assert.True(evidence(), "no sign that the outsider reached the cluster and was refused:\n" + cluster.First.Logs.Tail(20) + "\n--- outsider:\n" + outsider.Logs.Tail(20));
        Assert.False(outsider.IsMemberOf(cluster.First));
        Assert.False(outsider.IsMemberOf(cluster.Second));
        Assert.DoesNotContain(outsider.Cluster.State.Members, m => m.Address == cluster.First.Address);
        Assert.DoesNotContain(text, cluster.First.Received);

        // A refused inbound connection costs the member nothing: it is still up, and so is the cluster.
        Assert.False(cluster.First.System.WhenTerminated.IsCompleted);
        Assert.Equal(2, cluster.First.Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));
    }

    /// <summary>
    /// TLS remoting that trusts any server certificate (Akka's own setting to skip validation) and, with
    /// <paramref name="presentsCertificate"/>, presents <paramref name="certificateFile"/> as a client too.
    /// </summary>
    private static RemoteOptions AcceptsAnyServer(string certificateFile, bool presentsCertificate) => new()
    {
        HostName = "127.0.0.1",
        Port = 0,
        EnableSsl = true,
        Ssl = new SslOptions
        {
            X509Certificate = ClusterTransport.LoadCertificate(certificateFile, TestCertificates.Password),
            SuppressValidation = true,
            RequireMutualAuthentication = presentsCertificate,
        },
    };

    private static int Refusals(TlsNode node, string mentioning) =>
        node.Logs.Warnings.Count(w => w.Contains(mentioning, StringComparison.Ordinal));
}
