using System.Diagnostics;
using Xunit.Abstractions;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Password hashing at a realistic cost (100,000 iterations) so it dominates a sign-in, as in production; users back
/// off after 3 wrong passwords for an hour (the backing-off user stays so for the whole test); no rate limits.
/// </summary>
public sealed class SignInTimingFixture() : TestHostFixture(
    ("OAUTH2_PASSWORD_HASH_ITERATIONS", "100000"), ("OAUTH2_ALLOW_PASSWORD_GRANT", "true"),
    ("OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES", "3"), ("OAUTH2_SIGNIN_BACKOFF_SECONDS", "3600"), ("OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS", "3600"));

/// <summary>
/// Sign-in time must not tell an unknown username from a backing-off account or a wrong password: the three are
/// measured in turns, many times each, and their medians compared with a generous tolerance (a shared machine is
/// noisy; a missing hash is not noise: it is the whole cost of a sign-in).
/// </summary>
public sealed class SignInTimingTests(SignInTimingFixture fixture, ITestOutputHelper output) : HostTests<SignInTimingFixture>(fixture)
{
    private const int Rounds = 30;
    private const int WarmUpRounds = 3;
    private const int WrongUsers = 12;
    private const double Tolerance = 0.35;

    [Fact]
    public async Task SignIn_time_must_not_reveal_whether_the_account_exists_is_backing_off_or_has_a_wrong_password()
    {
        var client = await Host.RegisterCodeClient(confidential: true, grantTypes: ["password"]);

        // Wrong passwords: a user is used once every WrongUsers rounds (never 4 times, so never backing off), so no
        // attempt waits behind the previous one's journal write. Backing off: one user, three failures up front.
        var wrong = new List<TestUser>();
        for (var i = 0; i < WrongUsers; i++)
        {
            wrong.Add(await Host.CreateUser());
        }

        var backingOff = await Host.CreateUser();
        for (var i = 0; i < 3; i++)
        {
            using var failed = await Host.PasswordGrant(client, backingOff.Username, $"wrong password {i}");
            Assert.True(failed.IsError);
        }

        // Unknown: the same few names probed over and over, as someone testing whether they exist would.
        var unknown = Enumerable.Range(0, 3).Select(_ => TestHost.NewUsername("nobody")).ToArray();
        var round = 0;
        var cases = new (string Name, Func<Task> SignIn)[]
        {
            ("wrong password", async () => await Refused(client, wrong[round % WrongUsers].Username, "not the password")),
            ("backing off", async () => await Refused(client, backingOff.Username, backingOff.Password)),
            ("unknown user", async () => await Refused(client, unknown[round % unknown.Length], "not the password")),
        };
        var samples = cases.ToDictionary(c => c.Name, _ => new List<double>());
        for (; round < WarmUpRounds + Rounds; round++)
        {
            // A different order each round, so a slow moment of the machine does not always fall on the same case.
            foreach (var (name, signIn) in cases.OrderBy(_ => Random.Shared.Next()))
            {
                var watch = Stopwatch.StartNew();
                await signIn();
                watch.Stop();
                if (round >= WarmUpRounds)
                {
                    samples[name].Add(watch.Elapsed.TotalMilliseconds);
                }
            }
        }

        var medians = samples.ToDictionary(s => s.Key, s => Median(s.Value));
        var report = string.Join(", ", medians.Select(m => $"{m.Key} {m.Value:0.0} ms"));
        output.WriteLine($"Median sign-in times over {Rounds} rounds: {report}");
        var slowest = medians.Values.Max();
        foreach (var (name, median) in medians)
        {
            Assert.True(slowest - median <= Tolerance * slowest, $"The median sign-in time of '{name}' stands out: {report}.");
        }
    }

    private async Task Refused(RegisteredClient client, string username, string password)
    {
        using var response = await Host.PasswordGrant(client, username, password);
        OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
