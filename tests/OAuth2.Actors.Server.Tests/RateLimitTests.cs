using System.Net.Http.Headers;
using System.Text;

namespace OAuth2.Actors.Server.Tests;

/// <summary>Over a limit: 429 with Retry-After, in the endpoint's own format.</summary>
internal static class RateLimitAssert
{
    /// <summary>Sends until a 429 (at most <paramref name="limit"/> + 3 requests); the first <paramref name="limit"/> must not be one.</summary>
    public static async Task<HttpResponseMessage> UntilRefused(int limit, Func<int, Task<HttpResponseMessage>> send)
    {
        for (var i = 0; i < limit + 3; i++)
        {
            var response = await send(i);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(i >= limit, $"Request {i + 1} was refused; the limit is {limit}.");
                return response;
            }

            response.Dispose();
        }

        Assert.Fail($"No 429 after {limit + 3} requests (limit {limit}).");
        return null!;
    }

    public static void RetryAfter(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var delta = response.Headers.RetryAfter?.Delta;
        Assert.True(delta is { } d && d >= TimeSpan.FromSeconds(1) && d <= TimeSpan.FromSeconds(60), $"Retry-After: {response.Headers.RetryAfter}");
    }

    public static async Task OAuthJson(HttpResponseMessage response)
    {
        RetryAfter(response);
        var body = await OAuthAssert.Error(response, HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_description").GetString()));
    }
}

public sealed class RateLimitFormRegistrationIngestTests(RateLimitFixtures.FormRegistrationIngest fixture) : HostTests<RateLimitFixtures.FormRegistrationIngest>(fixture)
{
    [Fact]
    public async Task SignIn_form_over_the_limit_must_answer_429_with_Retry_After_and_a_page()
    {
        var user = await Host.CreateUser();
        using var browser = Host.NewBrowser();

        using var refused = await RateLimitAssert.UntilRefused(RateLimitFixtures.SignIns, i => browser.Login(user.Username, $"wrong password {i}"));

        RateLimitAssert.RetryAfter(refused);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Too many sign-in attempts", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_registration_over_the_limit_must_answer_429_with_Retry_After_and_RFC_6749_json()
    {
        using var refused = await RateLimitAssert.UntilRefused(RateLimitFixtures.Registrations, i => Post("/clients/register", $$"""{"client_name":"open {{i}}","grant_types":["client_credentials"]}""", bearer: null));

        await RateLimitAssert.OAuthJson(refused);

        // With a bearer token (the admin's here) a registration is not an open one: not counted, not refused.
        var admin = await Host.AdminToken();
        for (var i = 0; i < RateLimitFixtures.Registrations + 2; i++)
        {
            using var registered = await Post("/clients/register", $$"""{"client_name":"admin {{i}}","grant_types":["client_credentials"]}""", admin);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, registered.StatusCode);
        }
    }

    [Fact]
    public async Task Ingest_over_the_limit_must_answer_429_with_Retry_After_and_problem_details_for_that_client_only()
    {
        var producer = await Host.AccessToken(await Host.RegisterAsAdmin("events:ingest", "producer one"));
        var other = await Host.AccessToken(await Host.RegisterAsAdmin("events:ingest", "producer two"));

        using var refused = await RateLimitAssert.UntilRefused(RateLimitFixtures.Ingests, _ => Host.Ingest(ExternalEnvelope.Create().ToJsonString(), producer));

        RateLimitAssert.RetryAfter(refused);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var accepted = await Host.Ingest(ExternalEnvelope.Create().ToJsonString(), other);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    private async Task<HttpResponseMessage> Post(string path, string json, string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await Host.Client.SendAsync(request);
    }
}

public sealed class RateLimitPasswordGrantTests(RateLimitFixtures.PasswordGrant fixture) : HostTests<RateLimitFixtures.PasswordGrant>(fixture)
{
    [Fact]
    public async Task Password_grant_over_the_sign_in_limit_must_answer_429_with_Retry_After_and_RFC_6749_json_but_other_grants_must_not_count()
    {
        var user = await Host.CreateUser();
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["password", "client_credentials"]);

        // Client credentials are not sign-ins: many of them use up nothing.
        for (var i = 0; i < RateLimitFixtures.SignIns + 2; i++)
        {
            using var token = await Host.RequestToken(client);
            Assert.False(token.IsError, token.Raw);
        }

        using var refused = await RateLimitAssert.UntilRefused(RateLimitFixtures.SignIns, i => Host.PostForm("/oauth/token", client,
            ("grant_type", "password"), ("username", user.Username), ("password", $"wrong password {i}")));

        await RateLimitAssert.OAuthJson(refused);
    }
}

public sealed class RateLimitClientAuthFailureTests(RateLimitFixtures.ClientAuthFailure fixture) : HostTests<RateLimitFixtures.ClientAuthFailure>(fixture)
{
    [Fact]
    public async Task Failed_client_authentications_over_the_limit_must_answer_429_at_the_token_introspection_and_revocation_endpoints()
    {
        var client = await Host.Register();
        var guesser = client with { ClientSecret = "not the secret" };

        using var refused = await RateLimitAssert.UntilRefused(RateLimitFixtures.ClientAuthFailures, _ => Host.PostForm("/oauth/token", guesser, ("grant_type", "client_credentials")));

        await RateLimitAssert.OAuthJson(refused);

        // The same address's budget is spent at the other two endpoints too (a refill tick of the bucket may fall between
        // two requests and let one more through, hence "within a few").
        using var introspect = await RateLimitAssert.UntilRefused(0, _ => Host.PostForm("/oauth/introspect", guesser, ("token", "anything")));
        await RateLimitAssert.OAuthJson(introspect);
        using var revoke = await RateLimitAssert.UntilRefused(0, _ => Host.PostForm("/oauth/revoke", guesser, ("token", "anything")));
        await RateLimitAssert.OAuthJson(revoke);
    }
}

public sealed class RateLimitClientAuthSuccessTests(RateLimitFixtures.ClientAuthSuccess fixture) : HostTests<RateLimitFixtures.ClientAuthSuccess>(fixture)
{
    [Fact]
    public async Task Successful_client_authentications_must_never_be_limited()
    {
        var client = await Host.Register();
        var token = await Host.AccessToken(client);

        for (var i = 0; i < RateLimitFixtures.ClientAuthFailures * 5; i++)
        {
            using var issued = await Host.PostForm("/oauth/token", client, ("grant_type", "client_credentials"));
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            using var introspected = await Host.PostForm("/oauth/introspect", client, ("token", token));
            Assert.Equal(HttpStatusCode.OK, introspected.StatusCode);
        }

        // Failures below the limit do not stop a client that authenticates.
        var guesser = client with { ClientSecret = "not the secret" };
        for (var i = 0; i < RateLimitFixtures.ClientAuthFailures - 1; i++)
        {
            using var failed = await Host.PostForm("/oauth/token", guesser, ("grant_type", "client_credentials"));
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var after = await Host.PostForm("/oauth/token", client, ("grant_type", "client_credentials"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
