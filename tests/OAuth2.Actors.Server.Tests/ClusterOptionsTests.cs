namespace OAuth2.Actors.Server.Tests;

/// <summary>The settings a node of a cluster must agree on, refused at start (naming the setting) when they cannot work.</summary>
public sealed class ClusterOptionsTests
{
    private const string Seeds = "akka.tcp://oauth2@10.0.0.1:4053,akka.tcp://oauth2@10.0.0.2:4053";
    private const string Postgres = "postgres://oauth2:secret@db.internal:5432/oauth2";

    private static IReadOnlyList<string> Failures(params (string Key, string Value)[] values) => OptionsBinding.Failures(OptionsBinding.Bind(values));

    [Fact]
    public void A_node_with_seeds_must_refuse_sqlite_naming_the_database_setting()
    {
        var failures = Failures(("OAUTH2_CLUSTER_SEEDS", Seeds), ("OAUTH2_ISSUER", "https://auth.example.com"));

        var failure = Assert.Single(failures);
        Assert.Contains("OAUTH2_CLUSTER_SEEDS", failure, StringComparison.Ordinal);
        Assert.Contains("OAUTH2_DATABASE_URL", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_with_seeds_must_refuse_to_start_without_an_explicit_issuer()
    {
        var failures = Failures(("OAUTH2_CLUSTER_SEEDS", Seeds), ("OAUTH2_DATABASE_URL", Postgres));

        var failure = Assert.Single(failures);
        Assert.Contains("OAUTH2_ISSUER", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_with_seeds_postgres_and_an_issuer_must_be_accepted()
    {
        Assert.Empty(Failures(("OAUTH2_CLUSTER_SEEDS", Seeds), ("OAUTH2_DATABASE_URL", Postgres), ("OAUTH2_ISSUER", "https://auth.example.com")));
    }

    [Fact]
    public void A_single_node_must_keep_working_with_no_configuration()
    {
        Assert.Empty(Failures());
    }

    [Fact]
    public void The_advertised_host_must_be_bound_apart_from_the_bind_address()
    {
        var options = OptionsBinding.Bind(("OAUTH2_CLUSTER_HOST", "0.0.0.0"), ("OAUTH2_CLUSTER_PUBLIC_HOST", "oauth2-1.oauth2.svc"));

        Assert.Equal("0.0.0.0", options.ClusterHost);
        Assert.Equal("oauth2-1.oauth2.svc", options.ClusterPublicHost);
        Assert.Empty(options.SeedNodes);
    }
}
