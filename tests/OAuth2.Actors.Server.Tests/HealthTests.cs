namespace OAuth2.Actors.Server.Tests;

public sealed class HealthTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private HttpClient Client => Host.Client;

    [Fact]
    public async Task Health_must_answer_200_healthy()
    {
        var (status, body) = await Host.GetJson("/health");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_must_answer_200_ready_with_every_check_passing()
    {
        var (status, body) = await Host.Ready();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal("up", checks.GetProperty("actor_system").GetString());
        Assert.Equal("up", checks.GetProperty("cluster_member").GetString());
        Assert.Equal("ready", checks.GetProperty("token_service").GetString());
        Assert.Equal("reachable", checks.GetProperty("persistence").GetString());
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/ready")]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/no/such/path")]
    public async Task Correlation_id_must_be_echoed_when_sent(string path)
    {
        const string id = "test-correlation-0123.abc:def_ghi";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Correlation-ID", id);

        using var response = await Client.SendAsync(request);

        Assert.Equal([id], response.Headers.GetValues("X-Correlation-ID"));
    }

    [Fact]
    public async Task Correlation_id_must_be_echoed_on_oauth_errors_too()
    {
        const string id = "token-endpoint-correlation";
        using var request = new HttpRequestMessage(HttpMethod.Post, TestHost.TokenPath) { Content = TestHost.Form(("grant_type", "client_credentials")) };
        request.Headers.Add("X-Correlation-ID", id);

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal([id], response.Headers.GetValues("X-Correlation-ID"));
    }

    [Fact]
    public async Task Correlation_id_must_be_generated_when_none_is_sent()
    {
        using var first = await Client.GetAsync("/health");
        using var second = await Client.GetAsync("/health");

        var a = Assert.Single(first.Headers.GetValues("X-Correlation-ID"));
        var b = Assert.Single(second.Headers.GetValues("X-Correlation-ID"));
        Assert.True(Guid.TryParse(a, out _), $"'{a}' is not a generated id");
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData("has spaces in it")]
    [InlineData("semi;colon")]
    [InlineData("<script>")]
    public async Task Correlation_id_must_be_replaced_when_malformed(string malformed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        Assert.True(request.Headers.TryAddWithoutValidation("X-Correlation-ID", malformed));

        using var response = await Client.SendAsync(request);

        var echoed = Assert.Single(response.Headers.GetValues("X-Correlation-ID"));
        Assert.NotEqual(malformed, echoed);
        Assert.True(Guid.TryParse(echoed, out _), $"'{echoed}' is not a generated id");
    }

    [Fact]
    public async Task Correlation_id_must_be_replaced_when_longer_than_128_characters()
    {
        var tooLong = new string('a', 129);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("X-Correlation-ID", tooLong);

        using var response = await Client.SendAsync(request);

        var echoed = Assert.Single(response.Headers.GetValues("X-Correlation-ID"));
        Assert.True(Guid.TryParse(echoed, out _), $"'{echoed}' is not a generated id");
    }

    [Fact]
    public async Task Unknown_path_must_answer_404_problem_details()
    {
        using var response = await Client.GetAsync("/no/such/path");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, body.RootElement.GetProperty("status").GetInt32());
        Assert.True(body.RootElement.TryGetProperty("title", out _));
    }

    [Theory]
    [InlineData("/oauth/token")]
    [InlineData("/oauth/introspect")]
    [InlineData("/oauth/revoke")]
    public async Task Wrong_method_on_an_endpoint_must_answer_405_problem_details(string path)
    {
        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
