using System.Globalization;
using System.Net;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The meters live in the process, not in one host: a scrape sees every host running at the time. This collection runs
/// alone, so what a test counts is what its own requests did.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

/// <summary><c>/metrics</c> on the main port: who may scrape it, what it counts, and that its series do not grow with the clients.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsHttpTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task Metrics_must_refuse_a_caller_without_a_token_or_without_the_metrics_scope()
    {
        using var anonymous = await Host.Send(HttpMethod.Get, "/metrics", bearer: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        var (_, token) = await Host.RegisterWithToken(scope: "read");
        using var withoutScope = await Host.Send(HttpMethod.Get, "/metrics", token);
        Assert.Equal(HttpStatusCode.Forbidden, withoutScope.StatusCode);

        var scraper = await Host.RegisterAsAdmin("metrics:read", name: "prometheus");
        using var scraped = await Host.Send(HttpMethod.Get, "/metrics", await Host.AccessToken(scraper));
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.StartsWith("text/plain", scraped.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_must_count_token_requests_by_grant_type_and_outcome_and_client_authentication_failures()
    {
        var client = await Host.Register();
        var before = await Scrape();

        for (var i = 0; i < 3; i++)
        {
            using var issued = await Host.RequestToken(client);
            Assert.False(issued.IsError, issued.Raw);
        }

        using var refused = await Host.RequestToken(client.ClientId, "not-the-secret");
        Assert.Equal("invalid_client", TestHost.OAuthError(refused));
        using var unsupported = await Host.PostForm("/oauth/token", client, ("grant_type", "urn:example:made-up"));
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.StatusCode);

        var after = await Scrape();
        Assert.Equal(3, after.Delta(before, "oauth2_token_requests_total", ("oauth2_grant_type", "client_credentials"), ("oauth2_outcome", "issued")));
        Assert.Equal(1, after.Delta(before, "oauth2_token_requests_total", ("oauth2_grant_type", "client_credentials"), ("oauth2_outcome", "invalid_client")));
        // A grant type the server does not serve is one series, whatever the client sent.
        Assert.Equal(1, after.Delta(before, "oauth2_token_requests_total", ("oauth2_grant_type", "unsupported"), ("oauth2_outcome", "unsupported_grant_type")));
        Assert.DoesNotContain(after.Samples, s => s.Labels.Values.Contains("urn:example:made-up"));
        Assert.Equal(1, after.Delta(before, "oauth2_client_authentication_failures_total", ("oauth2_endpoint", "token")));
        Assert.Equal(3, after.Delta(before, "oauth2_events_emitted_total", ("oauth2_event_type", "token_created")));
    }

    [Fact]
    public async Task Metrics_must_count_introspections_by_result_and_revocations()
    {
        var client = await Host.Register();
        var token = await Host.AccessToken(client);
        var before = await Scrape();

        using (var active = await Host.Introspect(token, client))
        {
            Assert.True(active.IsActive, active.Raw);
        }

        using (var revoked = await Host.Revoke(token, client))
        {
            Assert.False(revoked.IsError, revoked.Raw);
        }

        using (var inactive = await Host.Introspect(token, client))
        {
            Assert.False(inactive.IsActive, inactive.Raw);
        }

        var after = await Scrape();
        Assert.Equal(1, after.Delta(before, "oauth2_introspection_requests_total", ("oauth2_result", "active")));
        Assert.Equal(1, after.Delta(before, "oauth2_introspection_requests_total", ("oauth2_result", "inactive")));
        Assert.Equal(1, after.Delta(before, "oauth2_revocation_requests_total", ("oauth2_outcome", "revoked")));
    }

    [Fact]
    public async Task Metrics_must_count_codes_issued_redeemed_and_refused_and_sign_ins()
    {
        var before = await Scrape();
        var (client, code, pkce) = await Host.CodeFor();
        using (var tokens = await Host.ExchangeCode(client, code, pkce.Verifier))
        {
            Assert.False(tokens.IsError, tokens.Raw);
        }

        using (var replay = await Host.ExchangeCode(client, code, pkce.Verifier))
        {
            Assert.Equal("invalid_grant", replay.Error);
        }

        var after = await Scrape();
        Assert.Equal(1, after.Delta(before, "oauth2_authorization_codes_total", ("oauth2_outcome", "issued")));
        Assert.Equal(1, after.Delta(before, "oauth2_authorization_codes_total", ("oauth2_outcome", "redeemed")));
        Assert.Equal(1, after.Delta(before, "oauth2_authorization_codes_total", ("oauth2_outcome", "refused")));
        Assert.Equal(1, after.Delta(before, "oauth2_sign_ins_total", ("oauth2_method", "form"), ("oauth2_outcome", "succeeded")));
    }

    [Fact]
    public async Task Metrics_must_show_each_sinks_deliveries_latency_queue_and_lag()
    {
        var client = await Host.Register();
        var before = await Scrape();
        await Host.AccessToken(client);

        // Delivery is asynchronous: the in-memory sink's counters move once it has acknowledged the token's events.
        var after = await Eventually.Until(Scrape, s => s.Delta(before, "oauth2_sink_delivery_latency_seconds_count", ("oauth2_sink", "in_memory")) >= 2, "the in-memory sink's latency count to grow");
        Assert.True(after.Delta(before, "oauth2_sink_events_delivered_total", ("oauth2_sink", "in_memory")) >= 2);
        var buckets = after.Samples.Where(s => s.Name == "oauth2_sink_delivery_latency_seconds_bucket" && s.Labels["oauth2_sink"] == "in_memory").Select(s => s.Labels["le"]).ToList();
        Assert.Contains("0.001", buckets);
        Assert.Contains("300", buckets);
        Assert.Contains("+Inf", buckets);
        Assert.Single(after.Samples, s => s.Name == "oauth2_sink_queue_depth" && s.Labels["oauth2_sink"] == "in_memory");
        Assert.Single(after.Samples, s => s.Name == "oauth2_sink_log_lag" && s.Labels["oauth2_sink"] == "in_memory");
        Assert.Single(after.Samples, s => s.Name == "oauth2_sink_log_lag_time_seconds" && s.Labels["oauth2_sink"] == "in_memory");
        Assert.Contains(after.Samples, s => s.Name == "oauth2_cluster_members" && s.Labels["oauth2_member_status"] == "up" && s.Value == 1);
        Assert.Contains(after.Samples, s => s.Name == "http_server_request_duration_seconds_count" && s.Labels.GetValueOrDefault("http_route") == "/oauth/token");
        Assert.Contains(after.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_must_keep_the_same_series_after_traffic_from_a_thousand_clients()
    {
        // Every kind of request first, so each series it can create exists before the count.
        await Traffic(10);
        var before = await Eventually.Until(Scrape, s => s.Samples.Count > 0, "a scrape");

        await Traffic(1_000);
        var after = await Scrape();

        // The runtime's exception counter is labelled by exception type: bounded by the code, not by the clients, but a
        // type first thrown under this load (an Ask retried after a timeout) is a new series. Every other series counts.
        var added = after.Series.Except(before.Series).Where(s => !s.StartsWith("dotnet_exceptions_total{", StringComparison.Ordinal)).ToList();
        // Traffic from a thousand clients, each: a registration, two token requests, an introspection and a revocation.
        Assert.True(after.Delta(before, "oauth2_token_requests_total") >= 2_000);
        Assert.True(added.Count == 0, $"{added.Count} series appeared after traffic from 1,000 clients, e.g.:\n{string.Join("\n", added.Take(20))}");
        Assert.DoesNotContain(after.Samples, s => s.Labels.Values.Any(v => v.StartsWith("client-", StringComparison.Ordinal) || v.Contains("127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary><paramref name="clients"/> new clients, each: registration, a token, a refused secret, introspection and revocation.</summary>
    private async Task Traffic(int clients)
    {
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var client = await Host.Register();
                var token = await Host.AccessToken(client);
                using var refused = await Host.RequestToken(client.ClientId, "not-the-secret");
                using var introspected = await Host.Introspect(token, client);
                using var revoked = await Host.Revoke(token, client);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private async Task<PrometheusText> Scrape()
    {
        using var response = await Host.Send(HttpMethod.Get, "/metrics", await Host.AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return PrometheusText.Parse(body);
    }
}

/// <summary>The samples of a Prometheus text exposition (the lines that are not comments).</summary>
public sealed record PrometheusText(IReadOnlyList<PrometheusSample> Samples)
{
    /// <summary>Each series as name and sorted labels (the identity Prometheus stores it under).</summary>
    public IEnumerable<string> Series => Samples.Select(s => s.Name + "{" + string.Join(",", s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}");

    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var name = brace >= 0 ? line[..brace] : line[..line.IndexOf(' ', StringComparison.Ordinal)];
            if (brace >= 0)
            {
                var end = line.LastIndexOf('}');
                foreach (var pair in SplitLabels(line[(brace + 1)..end]))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..eq]] = pair[(eq + 2)..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
                }

                space = line.IndexOf(' ', end);
            }

            var value = line[(space + 1)..].Split(' ')[0];
            samples.Add(new PrometheusSample(name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }

        return new PrometheusText(samples);
    }

    /// <summary>The sum of the samples of <paramref name="name"/> with every label of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Sum(s => s.Value);

    /// <summary>How much <paramref name="name"/> (summed over the matching series) grew since <paramref name="before"/>.</summary>
    public double Delta(PrometheusText before, string name, params (string Key, string Value)[] labels) =>
        Sum(name, labels) - before.Sum(name, labels);

    private static IEnumerable<string> SplitLabels(string labels)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == '"' && (i == 0 || labels[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (labels[i] == ',' && !quoted)
            {
                yield return labels[start..i];
                start = i + 1;
            }
        }

        if (start < labels.Length)
        {
            yield return labels[start..];
        }
    }
}

public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
