using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace OAuth2.Actors.Server.Tests;

/// <summary><c>GET /events/stream</c>: who may open it, its filter, live delivery, and a slow reader that misses events without slowing anyone.</summary>
public sealed class EventStreamHttpTests(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    [Fact]
    public async Task The_stream_must_refuse_a_caller_without_events_read_or_admin()
    {
        using var anonymous = await Host.Send(HttpMethod.Get, "/events/stream", bearer: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var (_, token) = await Host.RegisterWithToken(scope: "read");
        using var withoutScope = await Host.Send(HttpMethod.Get, "/events/stream", token);
        Assert.Equal(HttpStatusCode.Forbidden, withoutScope.StatusCode);
        Assert.Equal("application/problem+json", withoutScope.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("event_type=no_such_event", "no_such_event")]
    [InlineData("severity=loud", "loud")]
    [InlineData("from=2026-01-01T00:00:00Z", "GET /events")]
    [InlineData("cursor=abc", "GET /events")]
    public async Task The_stream_must_refuse_a_filter_it_cannot_apply(string query, string named)
    {
        using var response = await Host.Send(HttpMethod.Get, "/events/stream?" + query, await Host.AdminToken());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(named, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_must_deliver_the_events_its_filter_passes_as_they_happen()
    {
        var watched = await Host.Register();
        var other = await Host.Register();
        await using var stream = await Open($"event_type=token_created&client_id={Uri.EscapeDataString(watched.ClientId)}");

        using (var issued = await Host.RequestToken(watched))
        {
            Assert.False(issued.IsError, issued.Raw);
        }

        using (var elsewhere = await Host.RequestToken(other))
        {
            Assert.False(elsewhere.IsError, elsewhere.Raw);
        }

        using (var again = await Host.RequestToken(watched))
        {
            Assert.False(again.IsError, again.Raw);
        }

        var first = await stream.Next("message");
        var second = await stream.Next("message");
        foreach (var item in new[] { first, second })
        {
            using var envelope = JsonDocument.Parse(item.Data);
            var e = envelope.RootElement.GetProperty("event");
            Assert.Equal("token_created", e.GetProperty("event_type").GetString());
            Assert.Equal(watched.ClientId, e.GetProperty("client_id").GetString());
            Assert.Equal(e.GetProperty("id").GetString(), item.EventId);
        }

        Assert.NotEqual(first.EventId, second.EventId);
    }

    [Fact]
    public async Task A_reader_too_slow_for_its_buffer_must_be_told_what_it_missed_while_the_server_goes_on()
    {
        var client = await Host.Register();
        await using var stream = await Open($"client_id={Uri.EscapeDataString(client.ClientId)}");

        // The reader takes nothing while its client causes far more events than a stream holds.
        var tokens = (EventStreamEndpointsBuffer / 2) + 300;
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, tokens).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using var issued = await Host.RequestToken(client);
                Assert.False(issued.IsError, issued.Raw);
            }
            finally
            {
                gate.Release();
            }
        }));

        var dropped = await stream.Next("dropped", skipping: true);
        using var body = JsonDocument.Parse(dropped.Data);
        Assert.True(body.RootElement.GetProperty("dropped").GetInt64() > 0, dropped.Data);

        // The stream goes on with what came after.
        using (var later = await Host.RequestToken(client))
        {
            Assert.False(later.IsError, later.Raw);
        }

        await stream.Next("message", skipping: true);
    }

    private const int EventStreamEndpointsBuffer = OAuth2.Actors.Server.Endpoints.EventStreamEndpoints.Buffer;

    private async Task<OpenStream> Open(string query)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/events/stream?" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Host.AdminToken());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = new OpenStream(request, response, SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator());
        await stream.Next("ready");
        return stream;
    }

    private sealed class OpenStream(HttpRequestMessage request, HttpResponseMessage response, IAsyncEnumerator<SseItem<string>> items) : IAsyncDisposable
    {
        /// <summary>The next item of <paramref name="type"/> (within 20 s): the very next one, or with <paramref name="skipping"/> the first of that type.</summary>
        public async Task<SseItem<string>> Next(string type, bool skipping = false)
        {
            using var deadline = new CancellationTokenSource(Eventually.DefaultDeadline);
            while (true)
            {
                var read = items.MoveNextAsync().AsTask();
                if (await Task.WhenAny(read, Task.Delay(Timeout.Infinite, deadline.Token)) != read)
                {
                    throw new TimeoutException($"No '{type}' item on the stream within {Eventually.DefaultDeadline.TotalSeconds} s.");
                }

                Assert.True(await read, "The stream ended.");
                if (items.Current.EventType == type)
                {
                    return items.Current;
                }

                Assert.True(skipping || items.Current.EventType == "heartbeat", $"Expected '{type}', got '{items.Current.EventType}': {items.Current.Data}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            response.Dispose();
            request.Dispose();
            try
            {
                // Throws at once (not in its task) while a read the test gave up on is still pending.
                await items.DisposeAsync();
            }
            catch (NotSupportedException)
            {
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }
}
