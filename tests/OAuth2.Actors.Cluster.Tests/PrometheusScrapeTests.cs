using System.Globalization;
using OAuth2.Actors.Events.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// Two nodes, each serving <c>/metrics</c> on a metrics port of its own (<c>OAUTH2_METRICS_PORT</c>), for a real
/// Prometheus (.ci/services/prometheus.sh) to scrape. Without PostgreSQL or Prometheus (a developer's machine) the
/// cluster is not started and the tests skip; in CI they fail, in <see cref="Require"/>.
/// </summary>
public sealed class PrometheusClusterFixture : IAsyncLifetime
{
    public const string PrometheusUrlVariable = "OAUTH2_TEST_PROMETHEUS_URL";
    public const string PrometheusTargetsVariable = "OAUTH2_TEST_PROMETHEUS_TARGETS";
    private const string Script = ".ci/services/prometheus.sh";

    private readonly Dictionary<string, int> _metricsPorts = [];
    private TestCluster? _cluster;

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("OAUTH2_TEST_POSTGRES_URL") is not { Length: > 0 }
            || Environment.GetEnvironmentVariable(PrometheusUrlVariable) is not { Length: > 0 }
            || Environment.GetEnvironmentVariable(PrometheusTargetsVariable) is not { Length: > 0 })
        {
            return;
        }

        _cluster = await TestCluster.Start(2, configure: node =>
        {
            var port = TestCluster.FreePort();
            _metricsPorts[node.Name] = port;
            node.Set("OAUTH2_METRICS_PORT", port.ToString(CultureInfo.InvariantCulture));
            // The operator's log format, with ASP.NET Core's request lines (each carries the request's scopes).
            node.Set("OAUTH2_LOG_FORMAT", "json");
            node.Set("Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics", "Information");
        });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>The cluster, Prometheus's URL and its targets file, or the skip (a failure in CI) that says what is missing.</summary>
    public (TestCluster Cluster, Uri Prometheus, string TargetsFile) Require()
    {
        var prometheus = BrokerEnvironment.Require(PrometheusUrlVariable, "Prometheus", Script);
        var targets = BrokerEnvironment.Require(PrometheusTargetsVariable, "Prometheus", Script);
        if (_cluster is null)
        {
            _ = BrokerEnvironment.Require("OAUTH2_TEST_POSTGRES_URL", "PostgreSQL", ".ci/services/postgres.sh");
        }

        return (_cluster ?? throw new InvalidOperationException("The cluster did not start."), new Uri(prometheus.TrimEnd('/') + "/"), targets);
    }

    /// <summary>Where <paramref name="node"/> serves /metrics, as a Prometheus target.</summary>
    public string MetricsTarget(ClusterNode node) => $"127.0.0.1:{_metricsPorts[node.Name]}";
}

/// <summary>
/// A real Prometheus scrapes every node of the cluster at /metrics on its metrics port; the flows driven on the nodes
/// show up in PromQL as the counters and histogram the server documents.
/// </summary>
public sealed class PrometheusScrapeTests(PrometheusClusterFixture fixture, ITestOutputHelper output) : IClassFixture<PrometheusClusterFixture>
{
    // Prometheus scrapes every second and rereads its targets file every second: 30 s is a generous margin.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private const int Tokens = 20;
    private const int WrongSecrets = 3;

    [SkippableFact]
    public async Task Json_logs_must_carry_each_requests_trace_and_correlation_ids()
    {
        var (cluster, _, _) = fixture.Require();
        var node = cluster.Nodes[0];
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom().ToString();
        var correlationId = "json-logs-" + Guid.NewGuid().ToString("N")[..12];
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration"))
        {
            request.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
            request.Headers.Add("X-Correlation-ID", correlationId);
            using var response = await node.Http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        }

        // ASP.NET Core's "Request finished" line of that request: one JSON object, its scopes naming the trace and the correlation id.
        var deadline = DateTime.UtcNow + Deadline;
        JsonElement? line = null;
        while (line is null && DateTime.UtcNow < deadline)
        {
            line = node.LogLines(correlationId).Select(l => Parse(l.Line)).FirstOrDefault(j => j?.GetProperty("Message").GetString()?.StartsWith("Request finished", StringComparison.Ordinal) == true);
            await Task.Delay(100);
        }

        Assert.True(line is not null, $"no JSON 'Request finished' line with correlation id {correlationId}:\n{node.Log(30)}");
        var scopes = line!.Value.GetProperty("Scopes").EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).ToList();
        Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);
        Assert.Contains(scopes, s => s.TryGetProperty("correlation_id", out var id) && id.GetString() == correlationId);
        Assert.Contains(scopes, s => s.TryGetProperty("SpanId", out _));
        Assert.Equal("Information", line.Value.GetProperty("LogLevel").GetString());
        Assert.True(DateTimeOffset.TryParse(line.Value.GetProperty("Timestamp").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _), line.Value.GetProperty("Timestamp").GetString());

        static JsonElement? Parse(string text)
        {
            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    [SkippableFact]
    public async Task Prometheus_must_scrape_every_node_and_see_the_token_flows_and_sink_latencies()
    {
        var (cluster, prometheusUrl, targetsFile) = fixture.Require();
        using var prometheus = new HttpClient { BaseAddress = prometheusUrl, Timeout = TimeSpan.FromSeconds(10) };
        var nodes = cluster.Nodes;
        var targets = nodes.Select(fixture.MetricsTarget).ToArray();
        // The targets file may hold another run's leftovers: overwritten, and every query filters on this run's label.
        var run = "prometheus-scrape-" + Guid.NewGuid().ToString("N")[..12];
        var started = System.Diagnostics.Stopwatch.StartNew();
        var promql = new PromQl(prometheus, cluster, output);
        WriteTargets(targetsFile, JsonSerializer.Serialize(new[] { new { targets, labels = new Dictionary<string, string> { ["run"] = run } } }));
        try
        {
            // Both metrics endpoints scraped successfully.
            await promql.Until(
                $"up{{run=\"{run}\"}}",
                result => result.Count == targets.Length && result.All(s => s.Value == 1) && targets.All(t => result.Any(s => s.Label("instance") == t)),
                $"both targets ({string.Join(", ", targets)}) up");
            output.WriteLine($"both targets up after {started.Elapsed.TotalSeconds:0.0} s");

            // What the counters stood at before the flows (the cluster's warm-up made tokens too; a series not created
            // yet counts 0). Prometheus may lag behind the nodes: a baseline too low only makes the checks below looser.
            var selector = $"run=\"{run}\"";
            var issuedQuery = $"sum by (instance) (oauth2_token_requests_total{{{selector},oauth2_grant_type=\"client_credentials\",oauth2_outcome=\"issued\"}})";
            var failuresQuery = $"sum(oauth2_client_authentication_failures_total{{{selector},oauth2_endpoint=\"token\"}})";
            var introspectionsQuery = $"sum(oauth2_introspection_requests_total{{{selector},oauth2_result=\"active\"}})";
            var revocationsQuery = $"sum(oauth2_revocation_requests_total{{{selector},oauth2_outcome=\"revoked\"}})";
            var issuedBefore = (await promql.Now(issuedQuery)).ToDictionary(s => s.Label("instance")!, s => s.Value);
            var failuresBefore = (await promql.Now(failuresQuery)).Sum(s => s.Value);
            var introspectionsBefore = (await promql.Now(introspectionsQuery)).Sum(s => s.Value);
            var revocationsBefore = (await promql.Now(revocationsQuery)).Sum(s => s.Value);

            // The flows, spread over both nodes.
            var client = await TestCluster.Register(nodes[0]);
            var tokens = new List<string>();
            for (var i = 0; i < Tokens; i++)
            {
                tokens.Add(await TestCluster.AccessToken(nodes[i % nodes.Count], client));
            }

            for (var i = 0; i < WrongSecrets; i++)
            {
                var node = nodes[i % nodes.Count];
                using var refused = await TestCluster.Token(node, client with { ClientSecret = "not-the-secret-0123456789abcdefghijklmnop" });
                // (A 401: the client library reports it as an HTTP error, the OAuth error code is in the body.)
                Assert.True(refused.TryGet("error") == "invalid_client", $"wrong secret on {node.Name}: {(int)refused.HttpStatusCode} {refused.Raw}");
            }

            Assert.True(await TestCluster.IsActive(nodes[1], tokens[0]));
            await TestCluster.Revoke(nodes[0], tokens[1], client);
            output.WriteLine($"flows done after {started.Elapsed.TotalSeconds:0.0} s");

            // Every node's tokens counted (half of them were issued by each node), and the other outcomes.
            await promql.Until(
                issuedQuery,
                result => targets.All(t => result.Any(s => s.Label("instance") == t && s.Value >= issuedBefore.GetValueOrDefault(t) + (Tokens / targets.Length))),
                $"{Tokens / targets.Length} more client_credentials tokens issued on each node than before ({string.Join(", ", issuedBefore.Select(b => $"{b.Key}: {b.Value}"))})");
            await promql.AtLeast(failuresQuery, failuresBefore + WrongSecrets);
            await promql.AtLeast(introspectionsQuery, introspectionsBefore + 1);
            await promql.AtLeast(revocationsQuery, revocationsBefore + 1);

            // Each node sees both members up.
            await promql.Until(
                $"oauth2_cluster_members{{{selector},oauth2_member_status=\"up\"}}",
                result => result.Count == targets.Length && result.All(s => s.Value == 2) && targets.All(t => result.Any(s => s.Label("instance") == t)),
                "2 members up, as each of the two nodes sees them");

            // The sink delivery latency histogram: deliveries counted, in several buckets up to +Inf, and a quantile.
            await promql.AtLeast($"sum(oauth2_sink_delivery_latency_seconds_count{{{selector}}})", 1);
            var buckets = await promql.Until(
                $"sum by (le) (oauth2_sink_delivery_latency_seconds_bucket{{{selector}}})",
                result => result.Count >= 3 && result.Any(s => s.Label("le") == "+Inf"),
                "several latency buckets, +Inf among them");
            output.WriteLine("latency buckets: " + string.Join(", ", buckets.OrderBy(s => s.Value).Select(s => $"le={s.Label("le")}: {s.Value}")));
            var p99 = await promql.Until(
                $"histogram_quantile(0.99, sum by (le) (rate(oauth2_sink_delivery_latency_seconds_bucket{{{selector}}}[1m])))",
                result => result.Count == 1 && double.IsFinite(result[0].Value) && result[0].Value >= 0,
                "a finite p99 of the sink delivery latency over the last minute");
            output.WriteLine($"sink delivery latency p99 over 1m: {p99[0].Value * 1000:0.###} ms");

            // ASP.NET Core's own request duration histogram, by route.
            await promql.Until(
                $"http_server_request_duration_seconds_count{{{selector},http_route=\"/oauth/token\"}}",
                result => result.Count > 0 && result.Sum(s => s.Value) >= Tokens,
                $"ASP.NET Core's request durations for /oauth/token, at least {Tokens} requests");
            output.WriteLine($"all seen in Prometheus after {started.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            WriteTargets(targetsFile, "[]");
        }
    }

    /// <summary>Replaces the file_sd file at once (a rename), so Prometheus never reads half of it.</summary>
    private static void WriteTargets(string file, string json)
    {
        var temporary = file + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllText(temporary, json);
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>One series of an instant vector: its labels and its value (NaN and ±Inf as Prometheus writes them).</summary>
    private sealed record Sample(IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public string? Label(string name) => Labels.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>PromQL instant queries over Prometheus's HTTP API, polled until they answer what is expected.</summary>
    private sealed class PromQl(HttpClient prometheus, TestCluster cluster, ITestOutputHelper output)
    {
        /// <summary>The vector <paramref name="query"/> answers now (empty when it has no series yet).</summary>
        public async Task<IReadOnlyList<Sample>> Now(string query)
        {
            var (raw, result) = await Query(query);
            output.WriteLine($"{query} => {raw}");
            return result ?? throw new XunitException($"PromQL: {query}\nPrometheus answered: {raw}");
        }

        public Task<IReadOnlyList<Sample>> AtLeast(string query, double minimum) =>
            Until(query, result => result.Count == 1 && result[0].Value >= minimum, $"at least {minimum.ToString(CultureInfo.InvariantCulture)}");

        /// <summary>
        /// Asks <paramref name="query"/> until its vector satisfies <paramref name="done"/>; fails with the last answer
        /// of Prometheus and the nodes' output.
        /// </summary>
        public async Task<IReadOnlyList<Sample>> Until(string query, Func<IReadOnlyList<Sample>, bool> done, string what)
        {
            var deadline = DateTimeOffset.UtcNow + Deadline;
            var last = "(no answer)";
            while (true)
            {
                try
                {
                    var (raw, result) = await Query(query);
                    last = raw;
                    if (result is not null && done(result))
                    {
                        output.WriteLine($"{query} => {raw}");
                        return result;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    last = e.Message;
                }

                if (DateTimeOffset.UtcNow >= deadline)
                {
                    throw new XunitException($"Not within {Deadline.TotalSeconds:0} s: {what}\nPromQL: {query}\nPrometheus answered: {last}\n{cluster.Logs()}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }

        /// <summary>The answer as received, and its instant vector when the query succeeded (null otherwise).</summary>
        private async Task<(string Raw, IReadOnlyList<Sample>? Result)> Query(string query)
        {
            using var response = await prometheus.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(query));
            var raw = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                return ($"{(int)response.StatusCode} {raw}", null);
            }

            using var json = JsonDocument.Parse(raw);
            var data = json.RootElement.GetProperty("data");
            if (json.RootElement.GetProperty("status").GetString() != "success" || data.GetProperty("resultType").GetString() != "vector")
            {
                return (raw, null);
            }

            var samples = data.GetProperty("result").EnumerateArray()
                .Select(s => new Sample(
                    s.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? string.Empty),
                    Number(s.GetProperty("value")[1].GetString()!)))
                .ToArray();
            return (raw, samples);
        }

        private static double Number(string value) => value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }
}
