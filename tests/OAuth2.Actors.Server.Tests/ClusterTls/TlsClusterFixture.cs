using Akka.Cluster;

namespace OAuth2.Actors.Server.Tests.ClusterTls;

/// <summary>
/// Two members started the way the server starts them, both with the cluster's certificate, joined into one cluster
/// (the first joins itself, as a seedless server does; the second joins the first). Also a second, unrelated
/// certificate for the outsiders that try to get in with it.
/// </summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public TestCertificates Certificates { get; } = new();

    public string ClusterCertificate { get; private set; } = string.Empty;

    public string OtherCertificate { get; private set; } = string.Empty;

    public TlsNode First { get; private set; } = null!;

    public TlsNode Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ClusterCertificate = Certificates.Create("oauth2-cluster");
        OtherCertificate = Certificates.Create("someone-else");
        First = await TlsNode.Member(ClusterCertificate);
        Second = await TlsNode.Member(ClusterCertificate);
        First.Cluster.Join(First.Address);
        Second.Cluster.Join(First.Address);
        await Eventually.Until(
            () => Task.FromResult(First.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up)),
            up => up == 2,
            "both members Up in the first member's view");
    }

    public async Task DisposeAsync()
    {
        if (Second is not null)
        {
            await Second.DisposeAsync();
        }

        if (First is not null)
        {
            await First.DisposeAsync();
        }

        Certificates.Dispose();
    }
}
