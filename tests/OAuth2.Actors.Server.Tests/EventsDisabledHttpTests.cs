using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Server.Tests;

/// <summary>OAUTH2_EVENTS_ENABLED=false: no pipeline, the OAuth2 flows unaffected.</summary>
public sealed class EventsDisabledHttpTests(Fixtures.EventsDisabledServerFixture fixture) : HostTests<Fixtures.EventsDisabledServerFixture>(fixture)
{
    private const string Envelope = """{"event":{"id":"ext-1","event_type":"user_logout","timestamp":"2024-01-15T10:30:00Z"}}""";

    private static async Task AssertDisabled(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal("eventing_disabled", json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ingest_must_answer_503_eventing_disabled()
    {
        using var response = await Host.Ingest(Envelope, await Host.AdminToken());

        await AssertDisabled(response);
    }

    [Fact]
    public async Task Events_must_answer_503_eventing_disabled()
    {
        using var response = await Host.GetEvents("", await Host.AdminToken());

        await AssertDisabled(response);
    }

    [Fact]
    public async Task Health_must_report_eventing_disabled()
    {
        var (status, anonymous) = await Host.GetJson("/events/health");
        var health = await Host.EventsHealth();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("disabled", anonymous.GetProperty("status").GetString());
        Assert.Equal("disabled", health.GetProperty("status").GetString());
        Assert.False(health.GetProperty("enabled").GetBoolean());
        Assert.Empty(health.GetProperty("plugins").EnumerateArray());
    }

    [Fact]
    public void EventActor_must_not_run_when_eventing_is_disabled()
    {
        var registry = Host.Services.GetRequiredService<ActorRegistry>();

        Assert.False(registry.TryGet<EventActor>(out _));
    }

    [Fact]
    public async Task OAuthFlows_must_work_with_eventing_disabled()
    {
        var client = await Host.Register(scope: "read write");

        var token = await Host.AccessToken(client, scope: "read");
        using (var introspection = await Host.Introspect(token))
        {
            Assert.True(introspection.IsActive, introspection.Raw);
            Assert.Equal(client.ClientId, introspection.Json?.GetProperty("client_id").GetString());
        }

        using (var revocation = await Host.Revoke(token, client))
        {
            Assert.False(revocation.IsError, revocation.Raw);
        }

        using (var introspection = await Host.Introspect(token))
        {
            Assert.False(introspection.IsActive);
        }

        using var wrong = await Host.RequestToken(client.ClientId, "wrong-secret-0123456789-0123456789");
        Assert.Equal("invalid_client", TestHost.OAuthError(wrong));
    }
}
