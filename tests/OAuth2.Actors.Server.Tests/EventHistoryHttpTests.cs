using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Server.Endpoints;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The contract of <c>GET /events</c> as a history query of the durable log and of <c>GET /events/{id}</c>: the
/// parameters each accepts, the 400/404 answers and their ProblemDetails, authorization, and the page's shape.
/// (Paging through a large log and the filters' effects are proven by the event log suites.)
/// </summary>
public sealed class EventHistoryHttpTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    private static readonly string AscendingCursor = EventLogCursor.Encode(LogOrder.Ascending, 5);
    private static readonly string DescendingCursor = EventLogCursor.Encode(LogOrder.Descending, 5);

    public static TheoryData<string, string> BadQueries => new()
    {
        { "severity=loud", "severity 'loud'" },
        { "severity=", "severity ''" },
        { "order=up", "order 'up'" },
        { "order=ASCENDING", "order 'ASCENDING'" },
        { "order=", "order ''" },
        { "from=yesterday", "from 'yesterday'" },
        { "from=2024-01-15", "from '2024-01-15'" },
        { "from=2024-01-15T10:30:00", "from '2024-01-15T10:30:00'" },
        { "from=2024-01-15T10:30:00+02:00", "escape '+'" },
        { "to=2024-13-01T00:00:00Z", "to '2024-13-01T00:00:00Z'" },
        { "to=", "to ''" },
        { "since=2024-01-15T10:30:00Z&from=2024-01-15T10:30:00Z", "not both" },
        { "from=2024-01-15T10:30:00Z&to=2024-01-15T10:30:00Z", "to must be later than from" },
        { "since=2024-01-16T00:00:00Z&to=2024-01-15T00:00:00Z", "to must be later than since" },
        { "cursor=", "cursor" },
        { "cursor=not-a-cursor", "next_cursor" },
        { "cursor=%E2%9C%93", "next_cursor" },
        { "cursor=" + new string('A', 65), "next_cursor" },
        { "cursor=MTpkOi0x", "next_cursor" }, // "1:d:-1"
        { "cursor=MjpkOjU", "next_cursor" }, // "2:d:5"
        { "cursor=MTp4OjU", "next_cursor" }, // "1:x:5"
        { "cursor=MTpkOjk5OTk5OTk5OTk5OTk5OTk5OTk5", "next_cursor" }, // "1:d:" and a number past long
        { "cursor=" + DescendingCursor + "&order=asc", "order=desc" },
        { "cursor=" + AscendingCursor, "order=asc" },
        { "cursor=" + AscendingCursor + "&order=desc", "order=asc" },
        { "client_id=a&client_id=b", "'client_id' was given more than once" },
        { "order=asc&order=desc", "'order' was given more than once" },
        { "cursor=" + DescendingCursor + "&cursor=" + DescendingCursor, "'cursor' was given more than once" },
        { "event_type=token_created&event_type=token_minted", "token_minted" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Events_must_answer_400_problem_details_naming_the_bad_parameter(string query, string reason)
    {
        using var response = await Host.GetEvents(query, await Host.AdminToken());

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(reason, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("event_type=token_created&event_type=client_registered&event_type=token_created")]
    [InlineData("order=asc")]
    [InlineData("order=desc&limit=1000")]
    [InlineData("severity=warning")]
    [InlineData("severity=CRITICAL")]
    [InlineData("from=2024-01-15T10:30:00Z&to=2124-01-15T10:30:00.123%2B02:00")]
    [InlineData("since=2024-01-15T10:30:00.1234567z")]
    [InlineData("user_id=&client_id=")]
    public async Task Events_must_answer_a_page_for_valid_parameters(string query)
    {
        using var response = await Host.GetEvents(query, await Host.AdminToken());

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {body}");
        using var page = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Array, page.RootElement.GetProperty("events").ValueKind);
        Assert.Equal(page.RootElement.GetProperty("events").GetArrayLength(), page.RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Events_must_give_a_next_cursor_that_continues_in_the_same_order_and_none_on_the_last_page()
    {
        var client = await Host.Register("read");
        await Host.AccessToken(client);
        await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_created", _ => true);
        var all = await Host.Events($"client_id={client.ClientId}&order=asc");
        Assert.True(all.Count >= 3, $"{all.Count} events");

        var (first, cursor) = await Page($"client_id={client.ClientId}&order=asc&limit=2");
        var (rest, last) = await Page($"client_id={client.ClientId}&order=asc&limit=1000&cursor={cursor}");

        Assert.NotNull(cursor);
        Assert.Null(last);
        Assert.Equal(all.Select(e => e.Id()), first.Concat(rest).Select(e => e.Id()));
        using var wrongOrder = await Host.GetEvents($"client_id={client.ClientId}&order=desc&cursor={cursor}", await Host.AdminToken());
        Assert.Equal(HttpStatusCode.BadRequest, wrongOrder.StatusCode);
    }

    [Fact]
    public async Task Event_by_id_must_answer_the_logged_envelope()
    {
        var client = await Host.Register("read");
        await Host.AccessToken(client);
        var logged = Assert.Single(await Host.WaitForEvents($"client_id={client.ClientId}&event_type=token_created", _ => true));

        var (status, body) = await Host.GetJson("/events/" + Uri.EscapeDataString(logged.Id()!), await Host.AdminToken());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(logged.GetRawText(), body.GetRawText());
    }

    [Theory]
    [InlineData("no-such-event")]
    [InlineData("%E2%9C%93")]
    [InlineData("ingest")]
    public async Task Event_by_id_must_answer_404_problem_details_for_an_id_the_log_does_not_hold(string id)
    {
        using var response = await Host.Send(HttpMethod.Get, "/events/" + id, await Host.AdminToken());

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/events?order=asc")]
    [InlineData("/events/some-id")]
    public async Task History_must_answer_401_without_a_token(string path)
    {
        using var response = await Host.Send(HttpMethod.Get, path, bearer: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/events?cursor=not-a-cursor")]
    [InlineData("/events/some-id")]
    public async Task History_must_answer_403_without_events_read_or_admin_before_reading_parameters(string path)
    {
        var (_, token) = await Host.RegisterWithToken(scope: "events:ingest", bearer: await Host.AdminToken());

        using var response = await Host.Send(HttpMethod.Get, path, token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Event_by_id_must_answer_to_events_read()
    {
        var (_, token) = await Host.RegisterWithToken(scope: "events:read", bearer: await Host.AdminToken());

        using var response = await Host.Send(HttpMethod.Get, "/events/no-such-event", token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<(IReadOnlyList<JsonElement> Events, string? Next)> Page(string query)
    {
        using var document = JsonDocument.Parse(await Host.EventsJson(query));
        var root = document.RootElement;
        var events = root.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToArray();
        return (events, root.TryGetProperty("next_cursor", out var next) ? next.GetString() : null);
    }
}
