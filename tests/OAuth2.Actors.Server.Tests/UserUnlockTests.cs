namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// POST /admin/api/users/{user}/unlock: an admin token resets a user's sign-in back-off (here 5 minutes after 2 wrong
/// passwords), so the right password signs in at once; ProblemDetails for every refusal.
/// </summary>
public sealed class UserUnlockTests(Fixtures.UserUnlockFixture fixture) : HostTests<Fixtures.UserUnlockFixture>(fixture)
{
    private static string Unlock(string user) => $"/admin/api/users/{Uri.EscapeDataString(user)}/unlock";

    [Fact]
    public async Task Unlock_must_answer_204_and_let_a_backing_off_user_sign_in_at_once()
    {
        var user = await Host.CreateUser();
        await Fixtures.UserUnlockFixture.BackOff(Host, user);

        using var response = await Host.Send(HttpMethod.Post, Unlock(user.UserId), await Host.AdminToken());

        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoStore == true);
        Assert.True(await Fixtures.UserUnlockFixture.SignsIn(Host, user), "The right password must sign in right after the unlock.");
    }

    [Fact]
    public async Task Unlock_must_take_the_username_and_answer_the_same_when_there_is_nothing_to_reset()
    {
        var user = await Host.CreateUser();
        await Fixtures.UserUnlockFixture.BackOff(Host, user);

        using (var first = await Host.Send(HttpMethod.Post, Unlock(user.Username), await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        using (var again = await Host.Send(HttpMethod.Post, Unlock(user.Username), await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }

        Assert.True(await Fixtures.UserUnlockFixture.SignsIn(Host, user));
    }

    [Fact]
    public async Task Unlock_must_answer_404_for_no_such_user()
    {
        using var unknown = await Host.Send(HttpMethod.Post, Unlock(TestHost.NewUsername("nobody")), await Host.AdminToken());
        await FlowAssert.Problem(unknown, HttpStatusCode.NotFound);

        // Not a username at all (too long, or characters no username has): the same answer, not a 400 or a 500.
        using var malformed = await Host.Send(HttpMethod.Post, Unlock(new string('x', 300) + " <&>"), await Host.AdminToken());
        await FlowAssert.Problem(malformed, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unlock_must_answer_404_for_a_deleted_user()
    {
        var user = await Host.CreateUser();
        using (var deleted = await Host.Send(HttpMethod.Delete, "/admin/api/users/" + user.UserId, await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var response = await Host.Send(HttpMethod.Post, Unlock(user.UserId), await Host.AdminToken());

        await FlowAssert.Problem(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unlock_must_answer_401_without_a_token_or_with_an_inactive_one_and_leave_the_back_off()
    {
        var user = await Host.CreateUser();
        await Fixtures.UserUnlockFixture.BackOff(Host, user);

        using var none = await Host.Send(HttpMethod.Post, Unlock(user.UserId), bearer: null);
        await FlowAssert.Problem(none, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.First().Scheme);
        using var invalid = await Host.Send(HttpMethod.Post, Unlock(user.UserId), "not-a-token");
        await FlowAssert.Problem(invalid, HttpStatusCode.Unauthorized);

        Assert.False(await Fixtures.UserUnlockFixture.SignsIn(Host, user), "A refused unlock must not reset the back-off.");
    }

    [Fact]
    public async Task Unlock_must_answer_403_for_a_token_without_the_admin_scope_and_leave_the_back_off()
    {
        var user = await Host.CreateUser();
        await Fixtures.UserUnlockFixture.BackOff(Host, user);
        var service = await Host.Register("read", name: "Unlock service client");
        using var token = await Host.RequestToken(service.ClientId, service.ClientSecret!);
        Assert.False(token.IsError, token.Raw);

        using var response = await Host.Send(HttpMethod.Post, Unlock(user.UserId), token.AccessToken);

        await FlowAssert.Problem(response, HttpStatusCode.Forbidden);
        Assert.False(await Fixtures.UserUnlockFixture.SignsIn(Host, user), "A refused unlock must not reset the back-off.");
    }
}
