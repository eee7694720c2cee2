using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests.ClusterTls;

/// <summary>The cluster TLS settings are checked at start, and plain remoting on a reachable address is warned about.</summary>
public sealed class ClusterTlsOptionsTests : IDisposable
{
    private const string Risk = "anyone who can reach the cluster port can join the cluster and read its messages, including the signing key's PEM";

    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public void Validator_must_accept_a_readable_certificate_with_its_key_and_tls_seeds()
    {
        Assert.Empty(Failures(Clustered(Tls(_certificates.Create("cluster")), "akka.ssl.tcp://oauth2@node-1:4053, akka.ssl.tcp://oauth2@node-2:4053")));
    }

    [Fact]
    public void Validator_must_name_a_missing_file()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.pfx");

        var failure = Assert.Single(Failures(Tls(missing)));
        Assert.Equal($"OAUTH2_CLUSTER_TLS_CERT_FILE '{missing}' does not exist.", failure);
    }

    [Fact]
    public void Validator_must_name_a_wrong_password()
    {
        var failure = Assert.Single(Failures(Tls(_certificates.Create("cluster"), password: "not-the-password")));
        Assert.StartsWith("OAUTH2_CLUSTER_TLS_CERT_FILE '", failure, StringComparison.Ordinal);
        Assert.Contains("cannot be read as PKCS#12 with OAUTH2_CLUSTER_TLS_CERT_PASSWORD (wrong password", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_must_refuse_a_file_that_is_not_pkcs12_or_has_no_private_key()
    {
        Assert.Contains("cannot be read as PKCS#12", Assert.Single(Failures(Tls(_certificates.CreateGarbage("garbage")))), StringComparison.Ordinal);
        Assert.Contains("has no RSA or ECDSA private key", Assert.Single(Failures(Tls(_certificates.CreateWithoutPrivateKey("public-only")))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_must_refuse_seeds_of_the_other_scheme_and_a_password_without_a_file()
    {
        var tls = Clustered(Tls(_certificates.Create("cluster")), "akka.tcp://oauth2@node-1:4053");
        Assert.Contains("must be an akka.ssl.tcp:// address", Assert.Single(Failures(tls)), StringComparison.Ordinal);

        var plain = Clustered(new OAuth2Options(), "akka.ssl.tcp://oauth2@node-1:4053");
        Assert.Contains("is a TLS address but OAUTH2_CLUSTER_TLS_CERT_FILE is not set", Assert.Single(Failures(plain)), StringComparison.Ordinal);

        var passwordOnly = new OAuth2Options { ClusterTlsCertPassword = "secret" };
        Assert.StartsWith("OAUTH2_CLUSTER_TLS_CERT_PASSWORD is set but OAUTH2_CLUSTER_TLS_CERT_FILE is not", Assert.Single(Failures(passwordOnly)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0", false, true)]
    [InlineData("10.1.2.3", false, true)]
    [InlineData("node-1.internal", false, true)]
    [InlineData("0.0.0.0", true, false)]
    [InlineData("127.0.0.1", false, false)]
    [InlineData("::1", false, false)]
    [InlineData("localhost", false, false)]
    public async Task Warning_must_name_the_risk_only_for_plain_remoting_on_a_reachable_address(string host, bool tls, bool warned)
    {
        var options = tls ? Tls(_certificates.Create("cluster")) : new OAuth2Options();
        options.ClusterHost = host;
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(l => l.AddProvider(logs));

        await new ClusterTransportWarning(Options.Create(options), factory.CreateLogger<ClusterTransportWarning>()).StartAsync(CancellationToken.None);

        Assert.Equal(warned, logs.Warnings.Any(w => w.Contains(Risk, StringComparison.Ordinal) && w.Contains(host, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Server_must_warn_at_start_when_remoting_is_plain_on_every_interface()
    {
        await using var host = await TestHost.Start(new Dictionary<string, string?> { ["OAUTH2_CLUSTER_HOST"] = "0.0.0.0" });

        Assert.Contains(host.Logs.Warnings, w => w.Contains(Risk, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_must_run_its_remoting_over_tls_with_a_certificate_and_not_warn()
    {
        await using var host = await TestHost.Start(new Dictionary<string, string?>
        {
            ["OAUTH2_CLUSTER_HOST"] = "0.0.0.0",
            ["OAUTH2_CLUSTER_TLS_CERT_FILE"] = _certificates.Create("cluster"),
            ["OAUTH2_CLUSTER_TLS_CERT_PASSWORD"] = TestCertificates.Password,
        });

        var system = host.Services.GetRequiredService<ActorSystem>();
        Assert.Equal("akka.ssl.tcp", Akka.Cluster.Cluster.Get(system).SelfAddress.Protocol);
        Assert.DoesNotContain(host.Logs.Warnings, w => w.Contains(Risk, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_must_refuse_to_start_with_a_wrong_password()
    {
        var settings = new Dictionary<string, string?>
        {
            ["OAUTH2_CLUSTER_TLS_CERT_FILE"] = _certificates.Create("cluster"),
            ["OAUTH2_CLUSTER_TLS_CERT_PASSWORD"] = "wrong",
        };

        var error = await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
        {
            await using var host = await TestHost.Start(settings);
        });
        Assert.Contains(error.Failures, f => f.Contains("OAUTH2_CLUSTER_TLS_CERT_PASSWORD (wrong password", StringComparison.Ordinal));
    }

    /// <summary>The options of a node of a cluster on PostgreSQL with an explicit issuer, joining <paramref name="seeds"/>.</summary>
    private static OAuth2Options Clustered(OAuth2Options options, string seeds)
    {
        options.ClusterSeeds = seeds;
        options.DatabaseUrl = "Host=db;Database=oauth2";
        options.Issuer = "https://auth.example";
        return options;
    }

    private static OAuth2Options Tls(string file, string? password = TestCertificates.Password) =>
        new() { ClusterTlsCertFile = file, ClusterTlsCertPassword = password };

    private static IReadOnlyList<string> Failures(OAuth2Options options) => OptionsBinding.Failures(options);
}
