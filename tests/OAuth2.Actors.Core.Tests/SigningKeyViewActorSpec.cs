namespace OAuth2.Actors.Core.Tests;

/// <summary>A node's view of the signing keys: loads them, takes pushes, reads again on demand, and refuses keys it cannot open.</summary>
public class SigningKeyViewActorSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(SpecSupport.Persistence, output: output)
{
    private static readonly DateTimeOffset At = SpecSupport.Start;

    private static SigningKeyEntry NewKey(DateTimeOffset activates, KeyEncryptionKey? kek = null)
    {
        var pem = SigningKeyMaterial.GeneratePem(SigningAlgorithm.ES256);
        var material = SigningKeyMaterial.FromPem(pem);
        return new SigningKeyEntry(material.KeyId, material.Algorithm, kek?.Protect(pem, SigningKeyEntry.Purpose) ?? pem, activates, activates, SigningKeyEntry.Generated);
    }

    private static CurrentSigningKeys Keys(params SigningKeyEntry[] keys) => new(GetSigningKey.Default, keys);

    [Fact]
    public async Task SigningKeyViewActor_must_load_the_keys_at_start_and_add_pushed_ones_before_confirming()
    {
        var entity = CreateTestProbe();
        var ring = new SigningKeyRing();
        var kek = KeyEncryptionKey.Generate();
        var view = Sys.ActorOf(SigningKeyViewActor.Props(ring, entity.Ref, SpecSupport.Settings() with { KeyEncryption = kek }));
        var first = NewKey(At, kek);

        await entity.ExpectMsgAsync<GetSigningKeys>();
        entity.Reply(Keys(first));
        await AwaitConditionAsync(() => Task.FromResult(ring.IsLoaded));
        Assert.Equal(first.KeyId, ring.Keys!.Signing(At).KeyId);

        var next = NewKey(At.AddMinutes(10), kek);
        view.Tell(new PushSigningKeys(Keys(first, next)), TestActor);
        await ExpectMsgAsync<SigningKeysPushed>();
        Assert.True(ring.Knows(next.KeyId));
        Assert.Equal(next.KeyId, ring.Keys!.Signing(At.AddMinutes(10)).KeyId);

        // An older answer arriving late takes nothing back.
        view.Tell(Keys(first));
        view.Tell(RefreshSigningKeys.Instance, TestActor);
        await entity.FishForMessageAsync(m => m is GetSigningKeys);
        entity.Reply(Keys(first));
        await ExpectMsgAsync<SigningKeysRefreshed>();
        Assert.True(ring.Knows(next.KeyId));
    }

    [Fact]
    public async Task SigningKeyViewActor_must_answer_concurrent_refreshes_with_one_read()
    {
        var entity = CreateTestProbe();
        var ring = new SigningKeyRing();
        var view = Sys.ActorOf(SigningKeyViewActor.Props(ring, entity.Ref, SpecSupport.Settings(), pollInterval: TimeSpan.FromMinutes(10)));
        await entity.ExpectMsgAsync<GetSigningKeys>();
        entity.Reply(Keys(NewKey(At)));
        await AwaitConditionAsync(() => Task.FromResult(ring.IsLoaded));

        for (var i = 0; i < 5; i++)
        {
            view.Tell(RefreshSigningKeys.Instance, TestActor);
        }

        await entity.ExpectMsgAsync<GetSigningKeys>(TimeSpan.FromSeconds(3));
        var started = NewKey(At.AddSeconds(1));
        entity.Reply(Keys(started));
        for (var i = 0; i < 5; i++)
        {
            await ExpectMsgAsync<SigningKeysRefreshed>();
        }

        Assert.True(ring.Knows(started.KeyId));
        // One read for the five (the retry tick may ask once more later, never five times).
        var more = await entity.ReceiveWhileAsync<object>(TimeSpan.FromMilliseconds(500), m => m).ToListAsync();
        Assert.True(more.Count(m => m is GetSigningKeys) <= 1, $"{more.Count} more reads");
    }

    [Fact]
    public async Task SigningKeyViewActor_must_not_load_keys_encrypted_with_another_key_encryption_key()
    {
        var entity = CreateTestProbe();
        var ring = new SigningKeyRing();
        Sys.ActorOf(SigningKeyViewActor.Props(ring, entity.Ref, SpecSupport.Settings() with { KeyEncryption = KeyEncryptionKey.Generate() }));

        await entity.ExpectMsgAsync<GetSigningKeys>();
        entity.Reply(Keys(NewKey(At, KeyEncryptionKey.Generate())));

        await entity.ExpectMsgAsync<GetSigningKeys>(TimeSpan.FromSeconds(3));
        Assert.False(ring.IsLoaded);
    }
}
