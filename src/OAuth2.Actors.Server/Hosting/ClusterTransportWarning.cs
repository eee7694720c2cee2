namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// At start: warns when Akka.Remote listens on an address other machines can reach without TLS. Not an error, because
/// a private network or a sidecar may protect the port, but the operator must know what an open port gives away.
/// </summary>
public sealed partial class ClusterTransportWarning(IOptions<OAuth2Options> options, ILogger<ClusterTransportWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (ClusterTransport.IsExposedWithoutTls(o))
        {
            LogPlainRemoting(logger, o.ClusterHost);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAUTH2_CLUSTER_HOST is {ClusterHost}, not a loopback address, and OAUTH2_CLUSTER_TLS_CERT_FILE is not set: Akka.Remote runs without TLS or authentication, so anyone who can reach the cluster port can join the cluster and read its messages, including the signing key's PEM. Set OAUTH2_CLUSTER_TLS_CERT_FILE, or bind OAUTH2_CLUSTER_HOST to loopback.")]
    private static partial void LogPlainRemoting(ILogger logger, string clusterHost);
}
