namespace OAuth2.Actors.Server.Tests;

/// <summary>Resource servers, codes and refresh families bound to resources survive a restart (same data directory).</summary>
public sealed class ResourceServerRestartTests : RestartingHostTests
{
    [Fact]
    public async Task Restart_must_keep_resource_servers_and_the_resources_of_refresh_tokens()
    {
        await using var first = await TestHost.Start(DataDirectory);
        var (resource, introspector) = await ResourceServers.NewResourceServer(first, "read");
        var removed = ResourceServers.NewResource("removed");
        var removedId = await ResourceServers.Register(first, removed, ["read"], introspector);
        using (var deleted = await first.Send(HttpMethod.Delete, $"{ResourceServers.Path}/{removedId}", await first.AdminToken()))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var client = await first.Register(scope: "read write");
        var user = await first.CreateUser();
        var codeClient = await first.RegisterCodeClient(confidential: true, scope: "read write");
        using var browser = first.NewBrowser();
        var pkce = Pkce.New();
        var authorized = await browser.Authorize(codeClient, user, pkce, query: TestBrowser.AuthorizeQuery(codeClient, pkce) + "&resource=" + Uri.EscapeDataString(resource));
        using var tokens = await first.ExchangeCode(codeClient, authorized.Code!, pkce.Verifier);
        Assert.False(tokens.IsError, tokens.Raw);

        await using var second = await first.Restart();

        using (var token = await ResourceServers.Token(second, client, null, resource))
        {
            Assert.False(token.IsError, token.Raw);
            Assert.Equal([resource], ResourceServers.Audiences(token.AccessToken!));
            using var introspection = await second.Introspect(token.AccessToken!, introspector);
            Assert.True(introspection.IsActive, introspection.Raw);
        }

        using (var gone = await ResourceServers.Token(second, client, null, removed))
        {
            OAuthAssert.Error(gone, HttpStatusCode.BadRequest, "invalid_target");
        }

        using var refreshed = await second.Refresh(codeClient, tokens.RefreshToken!);
        Assert.False(refreshed.IsError, refreshed.Raw);
        Assert.Equal([resource], ResourceServers.Audiences(refreshed.AccessToken!));
        Assert.Equal("read", refreshed.Scope);
    }
}
