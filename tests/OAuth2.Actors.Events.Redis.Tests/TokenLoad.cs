using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>What a load run did not get: requests answered with an error (the first such answer), and requests cut off.</summary>
public sealed record LoadOutcome(long Refused, long CutOff, string? FirstRefusal);

/// <summary>One answered token request: the token's jti and when the answer was received (this machine's clock).</summary>
public sealed record AnsweredToken(string Jti, DateTimeOffset ReceivedAt);

/// <summary>
/// client_credentials token requests over real HTTP, many in parallel, each answered token recorded by its jti (read
/// from the JWT the server returned) and the time its answer arrived.
/// </summary>
public static class TokenLoad
{
    /// <summary>Issues <paramref name="count"/> tokens with <paramref name="parallelism"/> requests in flight; every one must succeed.</summary>
    public static async Task<IReadOnlyList<AnsweredToken>> Issue(ServerProcess server, RegisteredClient client, int count, int parallelism)
    {
        var answered = new ConcurrentBag<AnsweredToken>();
        var authorization = Basic(client);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            async (i, cancellationToken) =>
            {
                var (token, problem) = await Request(server, authorization, cancellationToken);
                Assert.True(token is not null, $"token request {i}: {problem}\n{server.Log()}");
                answered.Add(token);
            });
        return answered.ToArray();
    }

    /// <summary>
    /// Keeps <paramref name="parallelism"/> requests in flight until <paramref name="stop"/> is cancelled; the answered
    /// ones land in <paramref name="answered"/>. Requests answered with an error, and requests cut off (the server was
    /// killed under them), are only counted; the first error answer is kept to be shown.
    /// </summary>
    public static async Task<LoadOutcome> Run(ServerProcess server, RegisteredClient client, int parallelism, ConcurrentQueue<AnsweredToken> answered, CancellationToken stop)
    {
        var authorization = Basic(client);
        long refused = 0;
        long cutOff = 0;
        string? firstRefusal = null;
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (token, problem) = await Request(server, authorization, CancellationToken.None);
                    if (token is null)
                    {
                        Interlocked.Increment(ref refused);
                        Interlocked.CompareExchange(ref firstRefusal, problem, null);
                    }
                    else
                    {
                        answered.Enqueue(token);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    Interlocked.Increment(ref cutOff);
                    // The server is gone: no point hammering a closed port until the test stops the load.
                    await Task.Delay(50, CancellationToken.None);
                }
            }
        }));
        return new LoadOutcome(refused, cutOff, firstRefusal);
    }

    private static async Task<(AnsweredToken? Token, string? Problem)> Request(ServerProcess server, AuthenticationHeaderValue authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = authorization;
        using var response = await server.Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var receivedAt = DateTimeOffset.UtcNow;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (null, $"{(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        return (new AnsweredToken(TokenEventStream.JtiOf(json.RootElement.GetProperty("access_token").GetString()!), receivedAt), null);
    }

    private static AuthenticationHeaderValue Basic(RegisteredClient client) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(client.ClientId)}:{Uri.EscapeDataString(client.ClientSecret!)}")));
}
