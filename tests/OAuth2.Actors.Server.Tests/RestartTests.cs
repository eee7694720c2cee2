namespace OAuth2.Actors.Server.Tests;

/// <summary>Everything the server promised before a restart still holds after it (same data directory).</summary>
public sealed class RestartTests : RestartingHostTests
{
    [Fact]
    public async Task Restart_must_keep_clients_revocations_active_tokens_and_the_signing_key()
    {
        await using var first = await TestHost.Start(DataDirectory);
        var client = await first.Register(scope: "read write");
        var revoked = await first.AccessToken(client);
        var kept = await first.AccessToken(client, scope: "read");
        using var revokedBefore = await first.Revoke(revoked, client);
        Assert.False(revokedBefore.IsError, revokedBefore.Raw);
        using var inactive = await first.Introspect(revoked);
        Assert.False(inactive.IsActive);
        var keyBefore = SingleKey(await first.JwksJson());

        await using var second = await first.Restart();

        // The registered client still authenticates with the secret it was given once.
        using (var token = await second.RequestToken(client))
        {
            Assert.False(token.IsError, token.Raw);
            Assert.Equal("read write", token.Scope);
        }

        // The revocation survived.
        using (var introspection = await second.Introspect(revoked))
        {
            Assert.False(introspection.IsActive);
            OAuthAssert.Inactive(introspection.Raw);
        }

        // A token issued before the restart and never revoked is still active (same key, same issuer).
        using (var introspection = await second.Introspect(kept))
        {
            Assert.True(introspection.IsActive, introspection.Raw);
            Assert.Equal("read", introspection.Json!.Value.GetProperty("scope").GetString());
        }

        // The signing key is the one from the journal, not a new one.
        var keyAfter = SingleKey(await second.JwksJson());
        Assert.Equal(keyBefore.GetProperty("kid").GetString(), keyAfter.GetProperty("kid").GetString());
        Assert.Equal(keyBefore.GetProperty("x").GetString(), keyAfter.GetProperty("x").GetString());
        Assert.Equal(keyBefore.GetProperty("y").GetString(), keyAfter.GetProperty("y").GetString());
        Assert.True(JsonElement.DeepEquals(keyBefore, keyAfter));

        // Revoking the surviving token after the restart works as well.
        using (var revocation = await second.Revoke(kept, client))
        {
            Assert.False(revocation.IsError, revocation.Raw);
        }

        using (var introspection = await second.Introspect(kept))
        {
            Assert.False(introspection.IsActive);
        }
    }

    private static JsonElement SingleKey(string jwks)
    {
        using var document = JsonDocument.Parse(jwks);
        return Assert.Single(document.RootElement.GetProperty("keys").EnumerateArray().ToArray()).Clone();
    }
}
