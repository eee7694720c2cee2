using System.Globalization;

namespace OAuth2.Actors.Server.Tests;

/// <summary>GET /events (filters, authorization), GET /events/health and GET /events/schema.</summary>
public sealed class EventQueryHttpTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private static string Rfc3339(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // ---- authorization --------------------------------------------------------------------------------------------

    [Fact]
    public async Task Events_must_answer_401_without_a_token()
    {
        using var response = await Host.GetEvents("", bearer: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_must_answer_401_for_a_revoked_token()
    {
        var (client, token) = await Host.RegisterWithToken(scope: "events:read", bearer: await Host.AdminToken());
        using (var revocation = await Host.Revoke(token, client))
        {
            Assert.False(revocation.IsError, revocation.Raw);
        }

        using var response = await Host.GetEvents("", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Events_must_answer_403_for_a_token_without_events_read_or_admin()
    {
        var (client, token) = await Host.RegisterWithToken(scope: "read write");

        using var response = await Host.GetEvents("", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_must_answer_403_for_a_token_with_only_events_ingest()
    {
        var (client, token) = await Host.RegisterWithToken(scope: "events:ingest", bearer: await Host.AdminToken());

        using var response = await Host.GetEvents("", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("events:read")]
    [InlineData("admin")]
    public async Task Events_must_answer_200_for_a_token_with_events_read_or_admin(string scope)
    {
        var (client, token) = await Host.RegisterWithToken(scope: scope, bearer: await Host.AdminToken());

        using var response = await Host.GetEvents("limit=5", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("events").ValueKind);
        Assert.InRange(body.RootElement.GetProperty("count").GetInt32(), 0, 5);
    }

    // ---- filters --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Events_must_filter_by_event_type()
    {
        var client = await Host.Register("read");
        await Host.AccessToken(client);
        await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_created", _ => true);

        foreach (var type in new[] { "client_registered", "client_validated", "token_created" })
        {
            var events = await Host.Events($"event_type={type}&client_id={client.ClientId}");
            Assert.Equal(type, Assert.Single(events).Type());
        }

        Assert.All(await Host.Events("event_type=token_validated"), e => Assert.Equal("token_validated", e.Type()));
        Assert.Empty(await Host.Events($"event_type=token_revoked&client_id={client.ClientId}"));
    }

    [Fact]
    public async Task Events_must_filter_by_client_id()
    {
        var first = await Host.Register("read");
        var second = await Host.Register("read");
        await Host.AccessToken(first);
        await Host.AccessToken(second);
        await Host.AccessToken(second);

        var firstEvents = await Host.WaitForEvents($"client_id={first.ClientId}", e => e.Type() == "token_created");
        var secondEvents = await Host.WaitForEvents($"client_id={second.ClientId}", e => e.Type() == "token_created", count: 2);

        var all = await Host.Events($"client_id={first.ClientId}");
        Assert.All(all, e => Assert.Equal(first.ClientId, e.ClientId()));
        Assert.Equal(["client_registered", "client_validated", "token_created"], all.Select(e => e.Type()!).Order());
        Assert.Single(firstEvents);
        Assert.Equal(2, secondEvents.Count);
        Assert.Empty(await Host.Events("client_id=" + Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public async Task Events_must_filter_by_since()
    {
        var client = await Host.Register("read");
        await Host.AccessToken(client);
        var earlier = Assert.Single(await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_created", _ => true));
        await Task.Delay(50);
        await Host.AccessToken(client);
        var both = await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_created", _ => true, count: 2);
        var later = both[0];
        Assert.True(later.Timestamp() > earlier.Timestamp());

        var sinceLater = await Host.Events($"client_id={client.ClientId}&event_type=token_created&since={Uri.EscapeDataString(Rfc3339(earlier.Timestamp().AddMilliseconds(1)))}");
        var sinceEarlier = await Host.Events($"client_id={client.ClientId}&event_type=token_created&since={Uri.EscapeDataString(Rfc3339(earlier.Timestamp()))}");
        var sinceFuture = await Host.Events($"client_id={client.ClientId}&since={Uri.EscapeDataString(Rfc3339(DateTimeOffset.UtcNow.AddHours(1)))}");
        var withOffset = await Host.Events($"client_id={client.ClientId}&event_type=token_created&since={Uri.EscapeDataString(earlier.Timestamp().AddMilliseconds(1).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture))}");

        Assert.Equal([later.Id()], sinceLater.Select(e => e.Id()));
        Assert.Equal([later.Id(), earlier.Id()], sinceEarlier.Select(e => e.Id()));
        Assert.Empty(sinceFuture);
        Assert.Equal([later.Id()], withOffset.Select(e => e.Id()));
    }

    [Fact]
    public async Task Events_must_answer_newest_first_up_to_the_limit()
    {
        var client = await Host.Register("read");
        for (var i = 0; i < 3; i++)
        {
            await Host.AccessToken(client);
        }

        var all = await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_created", _ => true, count: 3);
        var limited = await Host.Events($"client_id={client.ClientId}&event_type=token_created&limit=2");
        var one = await Host.Events($"client_id={client.ClientId}&limit=1");

        Assert.Equal(3, all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.Item1.Timestamp() >= p.Item2.Timestamp()), "not newest first");
        Assert.Equal(all.Take(2).Select(e => e.Id()), limited.Select(e => e.Id()));
        Assert.Equal(all[0].Id(), Assert.Single(one).Id());
        Assert.InRange((await Host.Events("")).Count, 1, 100);
    }

    [Theory]
    [InlineData("event_type=token_minted")]
    [InlineData("event_type=")]
    [InlineData("event_type=TokenCreated")]
    [InlineData("since=yesterday")]
    [InlineData("since=")]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=1001")]
    [InlineData("limit=ten")]
    [InlineData("limit=1.5")]
    [InlineData("limit=")]
    [InlineData("limit=99999999999999999999")]
    [InlineData("limit=1&limit=2")]
    public async Task Events_must_answer_400_problem_details_for_a_bad_filter(string query)
    {
        using var response = await Host.GetEvents(query, await Host.AdminToken());

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("limit=1")]
    [InlineData("limit=1000")]
    [InlineData("event_type=user_logout")]
    [InlineData("client_id=")]
    [InlineData("user_id=nobody")]
    [InlineData("unknown_parameter=1")]
    [InlineData("event_type=token_created&event_type=token_revoked")]
    public async Task Events_must_answer_200_for_a_valid_or_empty_filter(string query)
    {
        using var response = await Host.GetEvents(query, await Host.AdminToken());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // ---- health -------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Health_must_report_the_in_memory_plugin_and_its_counters()
    {
        var client = await Host.Register("read");
        await Host.AccessToken(client);
        await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_created", _ => true);

        // Probed at most once a second: wait for a probe that saw this client's events.
        var root = await Host.WaitForHealth(
            h => h.GetProperty("published").GetInt64() >= 3
                && h.GetProperty("plugins").EnumerateArray().Any(p => p.GetProperty("name").GetString() == "in_memory" && p.GetProperty("delivered").GetInt64() >= 3),
            "the events published so far");

        Assert.Equal("healthy", root.GetProperty("status").GetString());
        Assert.True(root.GetProperty("enabled").GetBoolean());
        Assert.True(root.GetProperty("healthy").GetBoolean());
        Assert.True(root.GetProperty("published").GetInt64() >= 3);
        Assert.Equal(0, root.GetProperty("filtered").GetInt64());
        var plugin = Assert.Single(root.GetProperty("plugins").EnumerateArray(), p => p.GetProperty("name").GetString() == "in_memory");
        Assert.Equal("plugin", plugin.GetProperty("kind").GetString());
        Assert.True(plugin.GetProperty("healthy").GetBoolean());
        Assert.True(plugin.GetProperty("delivered").GetInt64() >= 3);
        Assert.Equal(0, plugin.GetProperty("failed").GetInt64());
        Assert.Equal(0, plugin.GetProperty("dropped").GetInt64());
        Assert.InRange(plugin.GetProperty("buffered").GetInt64(), 0, 10_000);
    }

    [Fact]
    public async Task Health_must_count_every_published_event_as_delivered_to_the_in_memory_plugin()
    {
        var client = await Host.Register("read");
        await Host.AccessToken(client);

        await Host.WaitForHealth(
            health =>
            {
                var published = health.GetProperty("published").GetInt64();
                var plugin = health.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "in_memory");
                var accounted = plugin.GetProperty("delivered").GetInt64() + plugin.GetProperty("failed").GetInt64() + plugin.GetProperty("dropped").GetInt64() + plugin.GetProperty("buffered").GetInt64();
                return accounted == published && published > 0;
            },
            "every published event accounted for by the in_memory plugin");
    }

    // ---- schema -------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Schema_must_be_served_as_the_shipped_json_schema()
    {
        using var response = await Host.Client.GetAsync("/events/schema");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/schema+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(EventJson.Schema(), text);
        var schema = EventEnvelopeSchema.Parse(text);
        Assert.NotNull(schema);
    }

    [Fact]
    public async Task Events_must_all_validate_against_the_shipped_schema()
    {
        // Every kind of event this server emits, and ingested ones, then every envelope in the store.
        var client = await Host.Register(scope: "read write");
        var token = await Host.AccessToken(client, scope: "read");
        using (await Host.RequestToken(client.ClientId, "wrong-secret-0123456789-0123456789"))
        {
        }

        using (await Host.Introspect(token))
        {
        }

        using (await Host.Revoke(token, client))
        {
        }

        using (await Host.Introspect(token))
        {
        }

        using (var noCredentials = await Host.Client.PostAsync("/oauth/token", new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noCredentials.StatusCode);
        }

        var ingested = new JsonObject
        {
            ["event"] = new JsonObject
            {
                ["id"] = "ext-" + Guid.NewGuid().ToString("N"),
                ["event_type"] = "user_authentication_failed",
                ["timestamp"] = "2024-01-15T12:30:00.5+02:00",
                ["severity"] = "CRITICAL",
                ["client_id"] = client.ClientId,
                ["metadata"] = new JsonObject { ["attempts"] = "3" },
                ["error"] = "invalid_grant",
            },
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
        };
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/events/ingest") { Content = new StringContent(ingested.ToJsonString(), Encoding.UTF8, "application/json") })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Host.AdminToken());
            using var response = await Host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await Host.WaitForEvents($"client_id={client.ClientId}", e => e.Type() is "token_revoked" or "user_authentication_failed", count: 2);
        await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_validated", e => e.Metadata("success") == "false");
        using var schemaResponse = await Host.Client.GetAsync("/events/schema");
        var schema = EventEnvelopeSchema.Parse(await schemaResponse.Content.ReadAsStringAsync());

        var all = await Host.Events("limit=1000");

        Assert.Superset(
            new HashSet<string> { "client_registered", "client_validated", "token_created", "token_validated", "token_revoked", "user_authentication_failed" },
            all.Select(e => e.Type()!).ToHashSet());
        Assert.All(all, envelope =>
        {
            var errors = EventEnvelopeSchema.Errors(envelope, schema);
            Assert.True(errors.Count == 0, $"{envelope.GetRawText()}\n{string.Join("\n", errors)}");
        });
    }

    [Fact]
    public void Schema_must_reject_envelopes_that_break_it()
    {
        using var valid = JsonDocument.Parse(EventJson.Serialize(new EventEnvelope(
            new AuthEvent("id-1", EventType.TokenCreated, DateTimeOffset.UnixEpoch, EventSeverity.Info, null, "c1", new Dictionary<string, string>(), null),
            null, null, null, null, "p", DateTimeOffset.UnixEpoch, new Dictionary<string, string>())));
        Assert.Empty(EventEnvelopeSchema.Errors(valid.RootElement));

        foreach (var broken in new Func<JsonObject, JsonObject>[]
        {
            o => { o["event"]!.AsObject()["event_type"] = "token_minted"; return o; },
            o => { o["event"]!.AsObject()["severity"] = 1; return o; },
            o => { o["traceparent"] = "00-xyz"; return o; },
            o => { o["attributes"] = new JsonObject { ["a"] = null }; return o; },
            o => { o.Remove("producer"); return o; },
            o => { o["extra"] = 1; return o; },
        })
        {
            var node = broken(JsonNode.Parse(valid.RootElement.GetRawText())!.AsObject());
            using var document = JsonDocument.Parse(node.ToJsonString());
            Assert.NotEmpty(EventEnvelopeSchema.Errors(document.RootElement));
        }
    }
}
