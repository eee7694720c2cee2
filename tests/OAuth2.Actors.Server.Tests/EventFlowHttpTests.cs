using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Server.Tests;

/// <summary>The events the OAuth2 flows emit, as read back from GET /events (and from a sink actor added at runtime).</summary>
public sealed partial class EventFlowHttpTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string IncomingTraceparent = "00-" + TraceId + "-00f067aa0ba902b7-01";

    private static string NewCorrelationId() => "corr-" + Guid.NewGuid().ToString("N");

    [GeneratedRegex("^00-" + TraceId + "-[0-9a-f]{16}-01$")]
    private static partial Regex SameTrace();

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex AnyTraceparent();

    [Fact]
    public async Task TokenRequest_must_emit_token_created_with_the_trace_and_correlation_of_the_request()
    {
        var client = await Host.Register(scope: "read write");
        var correlationId = NewCorrelationId();

        using var response = await Host.RequestToken(client.ClientId, client.ClientSecret, scope: "read", correlationId: correlationId, traceparent: IncomingTraceparent);

        Assert.False(response.IsError, response.Raw);
        Assert.Equal(correlationId, Assert.Single(response.HttpResponse!.Headers.GetValues(TestHost.CorrelationHeader)));
        var created = await Host.WaitForEvent("token_created", correlationId, client.ClientId);
        Assert.Matches(SameTrace(), created.Traceparent());
        Assert.Equal("http", created.Attribute("source"));
        Assert.Equal(client.ClientId, created.ClientId());
        Assert.Equal(JsonValueKind.Null, created.Event().GetProperty("user_id").ValueKind);
        Assert.Equal("info", created.Severity());
        Assert.Null(created.Error());
        Assert.Equal("client_credentials", created.Metadata("grant_type"));
        Assert.Equal("read", created.Metadata("scope"));
        Assert.Equal("false", created.Metadata("has_refresh_token"));
        Assert.Equal("access_token", created.Metadata("token_type"));
        var jwt = new JsonWebToken(response.AccessToken);
        Assert.Equal(jwt.Id, created.Metadata("jti"));
        Assert.Equal(new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), created.Metadata("expires_at"));
        Assert.Equal("oauth2-actors", created.GetProperty("producer").GetString());
        Assert.Empty(EventEnvelopeSchema.Errors(created));

        // The client authentication of the same request is its own event, with the same correlation and trace.
        var validated = await Host.WaitForEvent("client_validated", correlationId, client.ClientId);
        Assert.Equal("true", validated.Metadata("success"));
        Assert.Equal("client_secret_basic", validated.Metadata("auth_method"));
        Assert.Equal("info", validated.Severity());
        Assert.Null(validated.Error());
        Assert.Matches(SameTrace(), validated.Traceparent());
        Assert.Equal("http", validated.Attribute("source"));
        Assert.True(validated.Timestamp() <= created.Timestamp());
    }

    [Fact]
    public async Task TokenRequest_without_trace_headers_must_emit_events_with_a_generated_correlation_and_trace()
    {
        var client = await Host.Register("read");

        using var response = await Host.RequestToken(client.ClientId, client.ClientSecret);

        Assert.False(response.IsError, response.Raw);
        var correlationId = Assert.Single(response.HttpResponse!.Headers.GetValues(TestHost.CorrelationHeader));
        Assert.False(string.IsNullOrWhiteSpace(correlationId));
        var created = await Host.WaitForEvent("token_created", correlationId, client.ClientId);
        Assert.Matches(AnyTraceparent(), created.Traceparent());
        Assert.DoesNotContain(TraceId, created.Traceparent(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenRequest_must_replace_a_malformed_correlation_id_and_use_the_replacement_in_events()
    {
        var client = await Host.Register("read");

        using var response = await Host.RequestToken(client.ClientId, client.ClientSecret, correlationId: "not acceptable <script>");

        Assert.False(response.IsError, response.Raw);
        var correlationId = Assert.Single(response.HttpResponse!.Headers.GetValues(TestHost.CorrelationHeader));
        Assert.NotEqual("not acceptable <script>", correlationId);
        await Host.WaitForEvent("token_created", correlationId, client.ClientId);
    }

    [Fact]
    public async Task Registration_must_emit_client_registered()
    {
        var correlationId = NewCorrelationId();

        var client = await Host.Register(scope: "read write", correlationId: correlationId, name: "Billing service");

        var registered = await Host.WaitForEvent("client_registered", correlationId, client.ClientId);
        Assert.Equal(client.ClientId, registered.ClientId());
        Assert.Equal("info", registered.Severity());
        Assert.Equal("Billing service", registered.Metadata("client_name"));
        Assert.Equal("read write", registered.Metadata("scope"));
        Assert.Equal("client_credentials", registered.Metadata("grant_types"));
        Assert.Equal("client_secret_basic", registered.Metadata("token_endpoint_auth_method"));
        Assert.Equal("false", registered.Metadata("privileged"));
        Assert.Equal("http", registered.Attribute("source"));
        Assert.Matches(AnyTraceparent(), registered.Traceparent());
    }

    [Fact]
    public async Task Bootstrap_must_emit_an_internal_client_registered_for_the_admin_client()
    {
        var registered = Assert.Single(await Host.WaitForEvents($"event_type=client_registered&client_id={TestHost.AdminClientId}", _ => true));

        Assert.Equal("internal", registered.Attribute("source"));
        Assert.Equal("true", registered.Metadata("bootstrap"));
        Assert.Equal("admin events:read events:ingest", registered.Metadata("scope"));
        Assert.Equal(JsonValueKind.Null, registered.GetProperty("traceparent").ValueKind);
        Assert.False(string.IsNullOrEmpty(registered.CorrelationId()));
    }

    [Fact]
    public async Task Registration_with_the_admin_token_must_emit_a_privileged_client_registered()
    {
        var correlationId = NewCorrelationId();

        var client = await Host.Register(scope: "events:read", correlationId: correlationId, bearer: await Host.AdminToken());

        var registered = await Host.WaitForEvent("client_registered", correlationId, client.ClientId);
        Assert.Equal("true", registered.Metadata("privileged"));
        Assert.Equal("events:read", registered.Metadata("scope"));
    }

    [Fact]
    public async Task WrongSecret_must_emit_a_failed_client_validated_warning()
    {
        var client = await Host.Register("read");
        var correlationId = NewCorrelationId();

        using var response = await Host.RequestToken(client.ClientId, "wrong-secret-0123456789-0123456789", correlationId: correlationId);

        Assert.True(response.IsError);
        Assert.Equal("invalid_client", TestHost.OAuthError(response));
        var failed = await Host.WaitForEvent("client_validated", correlationId, client.ClientId);
        Assert.Equal("warning", failed.Severity());
        Assert.Equal("invalid_client", failed.Error());
        Assert.Equal("false", failed.Metadata("success"));
        Assert.Equal("wrong client secret", failed.Metadata("reason"));
        Assert.Equal("client_secret_basic", failed.Metadata("auth_method"));
        Assert.Empty(await Host.Events($"event_type=token_created&client_id={client.ClientId}"));
    }

    [Fact]
    public async Task UnknownClient_must_emit_a_failed_client_validated_warning()
    {
        var correlationId = NewCorrelationId();
        var clientId = "no-such-client-" + Guid.NewGuid().ToString("N");

        using var response = await Host.RequestToken(clientId, "some-secret-0123456789-0123456789", correlationId: correlationId);

        Assert.Equal("invalid_client", TestHost.OAuthError(response));
        var failed = await Host.WaitForEvent("client_validated", correlationId, clientId);
        Assert.Equal("warning", failed.Severity());
        Assert.Equal("false", failed.Metadata("success"));
        Assert.Equal("unknown client", failed.Metadata("reason"));
    }

    [Fact]
    public async Task MissingCredentials_must_emit_a_failed_client_validated_warning_without_a_client()
    {
        var correlationId = NewCorrelationId();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
        };
        request.Headers.Add(TestHost.CorrelationHeader, correlationId);

        using var response = await Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var failed = await Host.WaitForEvent("client_validated", correlationId);
        Assert.Equal(JsonValueKind.Null, failed.Event().GetProperty("client_id").ValueKind);
        Assert.Equal("warning", failed.Severity());
        Assert.Equal("invalid_client", failed.Error());
        Assert.Equal("false", failed.Metadata("success"));
        Assert.False(string.IsNullOrEmpty(failed.Metadata("reason")));
    }

    [Fact]
    public async Task Introspection_must_emit_token_validated()
    {
        var client = await Host.Register(scope: "read write");
        var token = await Host.AccessToken(client, scope: "write");
        var correlationId = NewCorrelationId();

        using var introspection = await Host.Introspect(token, correlationId: correlationId);

        Assert.True(introspection.IsActive, introspection.Raw);
        var validated = await Host.WaitForEvent("token_validated", correlationId, client.ClientId);
        Assert.Equal("true", validated.Metadata("success"));
        Assert.Equal(new JsonWebToken(token).Id, validated.Metadata("jti"));
        Assert.Equal("write", validated.Metadata("scope"));
        Assert.Equal("access_token", validated.Metadata("token_type"));
        Assert.Equal("info", validated.Severity());
        Assert.Null(validated.Error());
        // The introspecting client authenticated in the same request.
        var caller = await Host.WaitForEvent("client_validated", correlationId, TestHost.AdminClientId);
        Assert.Equal("true", caller.Metadata("success"));
    }

    [Fact]
    public async Task Revocation_must_emit_token_revoked_and_later_introspection_a_failed_token_validated()
    {
        var (client, token) = await Host.RegisterWithToken("read");
        var jti = new JsonWebToken(token).Id;
        var revokeCorrelation = NewCorrelationId();

        using (var revocation = await Host.Revoke(token, client, correlationId: revokeCorrelation))
        {
            Assert.False(revocation.IsError, revocation.Raw);
        }

        var revoked = await Host.WaitForEvent("token_revoked", revokeCorrelation, client.ClientId);
        Assert.Equal(jti, revoked.Metadata("jti"));
        Assert.Equal("revoked_by_client", revoked.Metadata("reason"));
        Assert.Equal("info", revoked.Severity());

        var introspectCorrelation = NewCorrelationId();
        using (var introspection = await Host.Introspect(token, correlationId: introspectCorrelation))
        {
            Assert.False(introspection.IsActive);
        }

        var rejected = await Host.WaitForEvent("token_validated", introspectCorrelation, client.ClientId);
        Assert.Equal("false", rejected.Metadata("success"));
        Assert.Equal("revoked", rejected.Metadata("reason"));
        Assert.Equal("warning", rejected.Severity());
        Assert.Equal("token_revoked", rejected.Error());
        Assert.Equal(jti, rejected.Metadata("jti"));
    }

    [Fact]
    public async Task Events_must_never_contain_client_secrets_or_access_tokens()
    {
        var (client, token) = await Host.RegisterWithToken(scope: "read write");
        var other = await Host.AccessToken(client, scope: "read");
        using (await Host.Introspect(token))
        {
        }

        using (await Host.Revoke(other, client))
        {
        }

        using (await Host.RequestToken(client.ClientId, client.ClientSecret + "x"))
        {
        }

        using (await Host.RequestToken(client.ClientId, "wrong-0123456789-0123456789-0123"))
        {
        }

        var admin = await Host.AdminToken();
        await Host.WaitForEvents($"client_id={client.ClientId}", e => e.Type() == "token_revoked");
        await Host.WaitForEvents($"client_id={client.ClientId}&event_type=client_validated", e => e.Metadata("success") == "false", count: 2);
        var registration = client.Registration;

        var all = await Host.EventsJson();

        string[] secrets =
        [
            client.ClientSecret!,
            client.ClientSecret + "x",
            "wrong-0123456789-0123456789-0123",
            TestHost.AdminClientSecret,
            token,
            other,
            admin,
            token.Split('.')[2],
            other.Split('.')[2],
            admin.Split('.')[2],
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{client.ClientId}:{client.ClientSecret}")),
        ];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        }

        if (registration.TryGetProperty("registration_access_token", out var rat) && rat.GetString() is { Length: > 0 } registrationToken)
        {
            Assert.DoesNotContain(registrationToken, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SinkActor_registered_at_runtime_must_receive_the_token_created_envelope_of_a_request()
    {
        var system = Host.Services.GetRequiredService<ActorSystem>();
        var events = Host.Services.GetRequiredService<ActorRegistry>().Get<EventActor>();
        var received = new BlockingCollection<EventEnvelope>();
        var name = "http-test-collector-" + Guid.NewGuid().ToString("N");
        var collector = system.ActorOf(Props.Create(() => new EnvelopeCollector(received)), name);
        try
        {
            var registered = await events.Ask<EventSinkRegistered>(new RegisterEventSink(name, collector), TimeSpan.FromSeconds(5));
            Assert.Equal(name, registered.Name);
            var client = await Host.Register("read");
            var correlationId = NewCorrelationId();

            using var response = await Host.RequestToken(client.ClientId, client.ClientSecret, correlationId: correlationId, traceparent: IncomingTraceparent);

            Assert.False(response.IsError, response.Raw);
            var envelope = Take(received, e => e.Event.EventType == EventType.TokenCreated && e.CorrelationId == correlationId);
            Assert.Equal(client.ClientId, envelope.Event.ClientId);
            Assert.Equal("client_credentials", envelope.Event.Metadata["grant_type"]);
            Assert.Equal(new JsonWebToken(response.AccessToken).Id, envelope.Event.Metadata["jti"]);
            Assert.Matches(SameTrace(), envelope.Traceparent);
            Assert.Equal("http", envelope.Attributes["source"]);

            await Host.WaitForHealth(
                health => health.GetProperty("plugins").EnumerateArray().Any(p => p.GetProperty("name").GetString() == name && p.GetProperty("kind").GetString() == "actor"),
                "the sink actor is listed");
        }
        finally
        {
            system.Stop(collector);
        }

        // Once stopped, it is dropped from the pipeline (and from its health).
        await Host.WaitForHealth(
            health => !health.GetProperty("plugins").EnumerateArray().Any(p => p.GetProperty("name").GetString() == name),
            "the stopped sink actor is no longer listed");
    }

    private static EventEnvelope Take(BlockingCollection<EventEnvelope> received, Func<EventEnvelope, bool> match)
    {
        var deadline = DateTimeOffset.UtcNow + Eventually.DefaultDeadline;
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            EventEnvelope? envelope = null;
            Assert.True(left > TimeSpan.Zero && received.TryTake(out envelope, left), "The sink actor did not receive the expected envelope in time.");
            if (match(envelope!))
            {
                return envelope!;
            }
        }
    }

    /// <summary>A user's own sink actor: hands every envelope to the test.</summary>
    private sealed class EnvelopeCollector : ReceiveActor
    {
        public EnvelopeCollector(BlockingCollection<EventEnvelope> received) => Receive<EventEnvelope>(received.Add);
    }
}
