using System.Net;
using Duende.IdentityModel.Client;

namespace OAuth2.Actors.Testing;

/// <summary>What every test host waits for after start: /ready answers 200 and the bootstrap admin client gets a token.</summary>
public static class ServerReadiness
{
    /// <summary>Waits until the server is usable and returns the admin client's first access token.</summary>
    public static async Task<string> WaitUntilUsable(HttpClient client, Func<Task<TokenResponse>> adminToken, TimeSpan within, CapturedLogs logs)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        var last = "no answer yet";
        while (true)
        {
            using (var ready = await client.GetAsync("/ready"))
            {
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }

                last = $"{(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}";
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"/ready did not answer 200 within {within}; last answer: {last}\nHost log:\n{logs.Tail(40)}");
            }

            await Task.Delay(100);
        }

        // The bootstrap admin client is stored by a background service after start: wait until it authenticates.
        while (true)
        {
            using var token = await adminToken();
            if (!token.IsError)
            {
                return token.AccessToken!;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The bootstrap admin client could not get a token within {within}: {token.Error} {token.Raw}\nHost log:\n{logs.Tail(40)}");
            }

            await Task.Delay(100);
        }
    }
}
