using System.Text.RegularExpressions;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The console's users page over HTTP, as a browser with a session uses it: an admin lists the users with their sign-in
/// back-off, changes roles, unlocks and deletes (CSRF-protected forms, each checked through the user API afterwards); a
/// session without the admin role gets 403 and changes nothing; bad input is a 400 page.
/// </summary>
public sealed partial class ConsoleUsersPageTests(Fixtures.UserUnlockFixture fixture) : HostTests<Fixtures.UserUnlockFixture>(fixture)
{
    private const string Users = "/admin/users";

    [Fact]
    public async Task An_admin_must_list_users_with_their_back_off_change_roles_unlock_and_delete()
    {
        using var admin = await AdminBrowser();
        var target = await Host.CreateUser(email: "target@example.test", roles: ["reader"]);
        await Fixtures.UserUnlockFixture.BackOff(Host, target);

        var (html, row) = await Row(admin, target);
        Assert.Contains(target.UserId, row, StringComparison.Ordinal);
        Assert.Contains("target@example.test", row, StringComparison.Ordinal);
        Assert.Contains("value=\"reader\"", row, StringComparison.Ordinal);
        Assert.Contains("2 failed in a row; waiting until", row, StringComparison.Ordinal);
        Assert.Contains($"aria-label=\"Unlock {target.Username}\"", row, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">Users</a>", html, StringComparison.Ordinal);

        // Roles: space- or comma-separated, replacing the current ones.
        string done;
        using (var roles = await Post(admin, html, $"{Users}/{target.UserId}/roles", ("roles", "events:read, auditor")))
        {
            Assert.Equal(HttpStatusCode.Redirect, roles.StatusCode);
            done = TestBrowser.Location(roles)!;
            Assert.Equal($"{Users}?done=roles&user={target.Username}", done);
        }

        Assert.Equal(["auditor", "events:read"], await ApiRoles(target));
        var (afterRoles, rolesRow) = await Row(admin, target, done);
        Assert.Contains($"Roles of {target.Username} saved.", afterRoles, StringComparison.Ordinal);
        Assert.Contains("value=\"auditor events:read\"", rolesRow, StringComparison.Ordinal);

        // Unlock: the row says so, and the right password signs in at once.
        using (var unlock = await Post(admin, html, $"{Users}/{target.UserId}/unlock"))
        {
            Assert.Equal(HttpStatusCode.Redirect, unlock.StatusCode);
            done = TestBrowser.Location(unlock)!;
        }

        var (afterUnlock, unlocked) = await Row(admin, target, done);
        Assert.Contains($"{target.Username} unlocked", afterUnlock, StringComparison.Ordinal);
        Assert.Contains("no failures", unlocked, StringComparison.Ordinal);
        Assert.DoesNotContain("Unlock", unlocked, StringComparison.Ordinal);
        Assert.True(await Fixtures.UserUnlockFixture.SignsIn(Host, target), "The right password must sign in right after the unlock.");

        // Delete: a confirmation page first, then the form it shows.
        using (var confirm = await admin.Get($"{Users}/{target.UserId}/delete"))
        {
            var page = await confirm.Content.ReadAsStringAsync();
            Assert.True(confirm.StatusCode == HttpStatusCode.OK, page);
            Assert.Contains($"<button type=\"submit\">Delete {target.Username}</button>", page, StringComparison.Ordinal);
            using var deleted = await Post(admin, page, $"{Users}/{target.UserId}/delete");
            Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
            done = TestBrowser.Location(deleted)!;
        }

        using (var read = await Host.Send(HttpMethod.Get, "/admin/api/users/" + target.UserId, await Host.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        }

        using var list = await admin.Get(done);
        var listed = await list.Content.ReadAsStringAsync();
        Assert.Contains($"{target.Username} deleted", listed, StringComparison.Ordinal);
        Assert.DoesNotContain($"<th scope=\"row\">{target.Username}</th>", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_must_be_a_400_page_and_change_nothing()
    {
        using var admin = await AdminBrowser();
        var target = await Host.CreateUser(roles: ["reader"]);
        var (html, _) = await Row(admin, target);

        using (var badRole = await Post(admin, html, $"{Users}/{target.UserId}/roles", ("roles", "fine \"quoted\"")))
        {
            var page = await badRole.Content.ReadAsStringAsync();
            Assert.True(badRole.StatusCode == HttpStatusCode.BadRequest, page);
            Assert.Contains("each role must be", page, StringComparison.Ordinal);
        }

        using (var noField = await Post(admin, html, $"{Users}/{target.UserId}/roles"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noField.StatusCode);
        }

        using (var noCsrf = await admin.Http.PostAsync($"{Users}/{target.UserId}/roles", TestHost.Form(("roles", "admin"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noCsrf.StatusCode);
        }

        using (var unknown = await Post(admin, html, $"{Users}/{TestHost.NewUsername("nobody")}/unlock"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var confirmUnknown = await admin.Get($"{Users}/{Uri.EscapeDataString(new string('x', 200) + "<>")}/delete"))
        {
            Assert.Equal(HttpStatusCode.NotFound, confirmUnknown.StatusCode);
        }

        Assert.Equal(["reader"], await ApiRoles(target));
    }

    [Fact]
    public async Task A_session_without_the_admin_role_must_get_403_and_change_nothing()
    {
        var plain = await Host.CreateUser();
        var target = await Host.CreateUser();
        await Fixtures.UserUnlockFixture.BackOff(Host, target);
        using var browser = Host.NewBrowser();
        await browser.SignIn(plain);

        using (var page = await browser.Get(Users))
        {
            Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
            Assert.DoesNotContain(target.UserId, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var csrf = await browser.LoginCsrf();
        foreach (var action in new[] { "unlock", "delete", "roles" })
        {
            using var post = await browser.Http.PostAsync($"{Users}/{target.UserId}/{action}", TestHost.Form(("__csrf", csrf), ("roles", "admin")));
            Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        }

        Assert.False(await Fixtures.UserUnlockFixture.SignsIn(Host, target), "A refused unlock must not reset the back-off.");
        Assert.Empty(await ApiRoles(target));
    }

    [Fact]
    public async Task A_signed_out_browser_must_be_sent_to_sign_in()
    {
        using var browser = Host.NewBrowser();

        using var page = await browser.Get(Users);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/auth/login?returnUrl=%2Fadmin%2Fusers", TestBrowser.Location(page));
    }

    private async Task<TestBrowser> AdminBrowser()
    {
        var admin = await Host.CreateUser(TestHost.NewUsername("admin"), roles: ["admin"]);
        var browser = Host.NewBrowser();
        await browser.SignIn(admin);
        return browser;
    }

    /// <summary>The users page and the row of <paramref name="user"/> in it.</summary>
    private static async Task<(string Html, string Row)> Row(TestBrowser browser, TestUser user, string path = Users)
    {
        using var page = await browser.Get(path);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET {Users} answered {(int)page.StatusCode}: {html}");
        var row = RowRegex().Matches(html).Select(m => m.Value).SingleOrDefault(r => r.Contains($"<th scope=\"row\">{user.Username}</th>", StringComparison.Ordinal));
        Assert.True(row is not null, $"No row for {user.Username}: {html}");
        return (html, row!);
    }

    /// <summary>Posts a console form with the CSRF token of <paramref name="html"/> (the page it is on).</summary>
    private static Task<HttpResponseMessage> Post(TestBrowser browser, string html, string path, params (string Key, string Value)[] fields) =>
        browser.Http.PostAsync(path, TestHost.Form([("__csrf", TestBrowser.Csrf(html)), .. fields]));

    private async Task<string[]> ApiRoles(TestUser user)
    {
        using var response = await Host.Send(HttpMethod.Get, "/admin/api/users/" + user.UserId, await Host.AdminToken());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray();
    }

    [GeneratedRegex("<tr><th scope=\"row\">.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex RowRegex();
}
