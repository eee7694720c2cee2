using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Signing-key rotation through the real host: the admin API, the JWKS, and tokens signed before and after a rotation.
/// The host runs on a fake clock where a test needs to move through a key's lifetime.
/// </summary>
public sealed class SigningKeyRotationTests
{
    private const string KeysPath = "/admin/api/keys";

    private static async Task<(TestHost Host, FakeTimeProvider Time)> StartOnFakeClock(int leadSeconds, int accessTokenTtl = 300)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var host = await TestHost.Start(
            new Dictionary<string, string?>
            {
                ["OAUTH2_SIGNING_KEY_LEAD_SECONDS"] = leadSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["OAUTH2_ACCESS_TOKEN_TTL"] = accessTokenTtl.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            services => services.AddSingleton<TimeProvider>(time));
        return (host, time);
    }

    /// <summary>A fresh admin token (the host's cached one may have expired on the fake clock).</summary>
    private static async Task<string> AdminToken(TestHost host) => await host.AccessToken(TestHost.Admin);

    private static async Task<JsonObject> Rotate(TestHost host)
    {
        using var response = await host.Send(HttpMethod.Post, KeysPath + "/rotate", await AdminToken(host));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task<JsonArray> Keys(TestHost host)
    {
        using var response = await host.Send(HttpMethod.Get, KeysPath, await AdminToken(host));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["keys"]!.AsArray();
    }

    private static async Task<string[]> JwksKids(TestHost host) =>
        JsonNode.Parse(await host.JwksJson())!["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>()).ToArray();

    private static string KidOf(string token) => new JsonWebToken(token).Kid;

    [Fact]
    public async Task Jwks_must_publish_a_rotated_key_for_the_lead_before_it_signs()
    {
        var (host, time) = await StartOnFakeClock(leadSeconds: 600, accessTokenTtl: 3600);
        await using var _ = host;
        var client = await host.Register(scope: "read");
        var before = await host.AccessToken(client);
        var oldKid = KidOf(before);

        var rotated = await Rotate(host);

        var newKid = rotated["key"]!["kid"]!.GetValue<string>();
        Assert.Equal("next", rotated["key"]!["state"]!.GetValue<string>());
        Assert.Equal(time.GetUtcNow().AddSeconds(600), rotated["key"]!["activates_at"]!.GetValue<DateTimeOffset>());
        Assert.Equal([oldKid, newKid], await JwksKids(host));
        // Published, not signing yet.
        Assert.Equal(oldKid, KidOf(await host.AccessToken(client)));

        time.Advance(TimeSpan.FromSeconds(600));

        var after = await host.AccessToken(client);
        Assert.Equal(newKid, KidOf(after));
        Assert.True(await host.IsActive(before));
        Assert.True(await host.IsActive(after));
        Assert.Equal(["retired", "current"], (await Keys(host)).Select(k => k!["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_token_signed_by_the_retired_key_must_introspect_active_until_it_expires_and_the_key_leave_the_jwks_then()
    {
        var (host, time) = await StartOnFakeClock(leadSeconds: 0, accessTokenTtl: 300);
        await using var _ = host;
        var client = await host.Register(scope: "read");
        var old = await host.AccessToken(client);
        var oldKid = KidOf(old);
        time.Advance(TimeSpan.FromSeconds(1));

        var newKid = (await Rotate(host))["key"]!["kid"]!.GetValue<string>();

        // Lead 0: the new key signs at once.
        Assert.Equal(newKid, KidOf(await host.AccessToken(client)));
        time.Advance(TimeSpan.FromSeconds(290));
        Assert.True(await host.IsActive(old));
        Assert.Contains(oldKid, await JwksKids(host));
        var retired = (await Keys(host)).Single(k => k!["kid"]!.GetValue<string>() == oldKid)!;
        Assert.Equal("retired", retired["state"]!.GetValue<string>());
        Assert.Equal(retired["retires_at"]!.GetValue<DateTimeOffset>().AddSeconds(300), retired["expires_at"]!.GetValue<DateTimeOffset>());

        time.Advance(TimeSpan.FromSeconds(20));

        Assert.False(await host.IsActive(old));
        Assert.Equal([newKid], await JwksKids(host));
    }

    [Fact]
    public async Task Keys_api_must_list_public_facts_and_never_private_key_material()
    {
        await using var host = await TestHost.Start(new Dictionary<string, string?>());
        await Rotate(host);

        using var response = await host.Send(HttpMethod.Get, KeysPath, await host.AdminToken());
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var keys = JsonNode.Parse(body)!["keys"]!.AsArray();
        Assert.Equal(2, keys.Count);
        foreach (var key in keys.Select(k => k!.AsObject()))
        {
            Assert.Equal(["kid", "alg", "state", "source", "created_at", "activates_at", "retires_at", "expires_at"], key.Select(p => p.Key));
        }

        Assert.DoesNotContain("PRIVATE", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("kek1:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"d\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_api_must_refuse_callers_without_an_admin_token()
    {
        await using var host = await TestHost.Start(new Dictionary<string, string?>());
        var client = await host.Register(scope: "read");
        var readToken = await host.AccessToken(client);
        var kidsBefore = await JwksKids(host);

        using (var anonymous = await host.Send(HttpMethod.Get, KeysPath, bearer: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Bearer", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var notAdmin = await host.Send(HttpMethod.Get, KeysPath, readToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        }

        using (var rotateAnonymous = await host.Send(HttpMethod.Post, KeysPath + "/rotate", bearer: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, rotateAnonymous.StatusCode);
        }

        using (var rotateNotAdmin = await host.Send(HttpMethod.Post, KeysPath + "/rotate", readToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, rotateNotAdmin.StatusCode);
        }

        Assert.Equal(kidsBefore, await JwksKids(host));
    }

    [Fact]
    public async Task Rotate_must_answer_409_while_a_new_key_waits_to_sign()
    {
        await using var host = await TestHost.Start(new Dictionary<string, string?> { ["OAUTH2_SIGNING_KEY_LEAD_SECONDS"] = "600" });
        await Rotate(host);

        using var again = await host.Send(HttpMethod.Post, KeysPath + "/rotate", await host.AdminToken());

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>
    /// Tokens are issued and introspected without pause while the keys rotate several times: every token stays active
    /// (lead 0: a key signs as soon as it exists; a lead: it is known everywhere before it signs).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Rotation_while_tokens_are_issued_and_introspected_must_fail_no_token(int leadSeconds)
    {
        await using var host = await TestHost.Start(new Dictionary<string, string?> { ["OAUTH2_SIGNING_KEY_LEAD_SECONDS"] = leadSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var client = await host.Register(scope: "read");
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var issued = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        async Task Worker()
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await host.RequestToken(client);
                if (response.IsError)
                {
                    failures.Add($"token: {response.Error} {response.Raw}");
                    continue;
                }

                issued.Add(response.AccessToken!);
                using var introspection = await host.Introspect(response.AccessToken!);
                if (introspection.IsError || !introspection.IsActive)
                {
                    failures.Add($"introspection of a token signed by {KidOf(response.AccessToken!)}: {introspection.Raw}");
                }
            }
        }

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)).ToArray();
        var kids = new List<string> { (await Keys(host)).Single(k => k!["state"]!.GetValue<string>() == "current")!["kid"]!.GetValue<string>() };
        for (var rotation = 0; rotation < 3; rotation++)
        {
            await Task.Delay(300);
            var kid = (await Rotate(host))["key"]!["kid"]!.GetValue<string>();
            kids.Add(kid);
            // Wait until the new key signs before the next rotation (with a lead, another would be refused meanwhile).
            await Eventually.Until(async () => KidOf(await host.AccessToken(client)) == kid, $"key {kid} signs");
        }

        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        var signedBy = issued.Select(KidOf).ToHashSet();
        Assert.True(signedBy.Count >= 3, $"tokens were signed by {signedBy.Count} keys only");
        Assert.Subset(kids.ToHashSet(), signedBy);
        // Every token issued, whichever key signed it, is still active after the last rotation.
        foreach (var token in issued.Take(200))
        {
            Assert.True(await host.IsActive(token), $"a token signed by {KidOf(token)} is no longer active");
        }
    }
}
