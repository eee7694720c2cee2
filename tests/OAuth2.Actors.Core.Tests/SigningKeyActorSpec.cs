using Akka.Persistence;
using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Core.Tests;

/// <summary>The signing-key entity's state machine (first key, next, current, retired, expired) on a fake clock.</summary>
public class SigningKeyActorSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(SpecSupport.Persistence, output: output)
{
    private const string PersistenceId = "signing-key-default";
    private static readonly TimeSpan Lead = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new(SpecSupport.Start);
    private readonly SigningKeyRing _ring = new();
    private bool _viewStarted;

    private ServerSettings Settings(KeyEncryptionKey? kek = null, TimeSpan? lead = null, TimeSpan? rotation = null, string? keyFile = null) =>
        SpecSupport.Settings() with
        {
            KeyEncryption = kek,
            SigningKeyLead = lead ?? Lead,
            SigningKeyRotation = rotation ?? TimeSpan.FromDays(30),
            SigningKeyFile = keyFile,
        };

    /// <summary>The entity, and the node's view it pushes new keys to (at /user/signing-key-view, as on a node).</summary>
    private IActorRef Start(ServerSettings settings)
    {
        var keys = Sys.ActorOf(SigningKeyActor.Props(GetSigningKey.Default, settings, _time));
        if (!_viewStarted)
        {
            Sys.ActorOf(SigningKeyViewActor.Props(_ring, keys, settings), SigningKeyViewActor.Name);
            _viewStarted = true;
        }

        return keys;
    }

    private async Task<IReadOnlyList<SigningKeyEntry>> KeysAsync(IActorRef keys)
    {
        keys.Tell(GetSigningKeys.Default, TestActor);
        return (await ExpectMsgAsync<CurrentSigningKeys>()).Keys;
    }

    private async Task<SigningKeyRotated> RotateAsync(IActorRef keys)
    {
        keys.Tell(RotateSigningKey.Default, TestActor);
        return await ExpectMsgAsync<SigningKeyRotated>();
    }

    private IReadOnlyList<ScheduledSigningKey> Schedule(IReadOnlyList<SigningKeyEntry> keys) =>
        SigningKeySchedule.At(SigningKeySchedule.Ordered(keys, k => k), _time.GetUtcNow(), SpecSupport.Settings().AccessTokenTtl);

    [Fact]
    public async Task SigningKeyActor_must_make_one_es256_key_that_signs_at_once_and_keep_answering_with_it()
    {
        var keys = Start(Settings());

        var first = Assert.Single(await KeysAsync(keys));
        var second = Assert.Single(await KeysAsync(keys));

        Assert.Equal(first, second);
        Assert.Equal(SpecSupport.Start, first.ActivatesAt);
        Assert.Equal(SecurityAlgorithms.EcdsaSha256, first.Algorithm);
        Assert.Equal(SigningKeyState.Current, Assert.Single(Schedule([first])).State);
        Assert.Equal(first.KeyId, SigningKeyMaterial.FromPem(first.PrivateKey).KeyId);
        var added = Assert.IsType<SigningKeyAdded>(Assert.Single(await SpecSupport.JournalEventsAsync(this, PersistenceId)));
        Assert.Equal(first, added.Key);
    }

    [Fact]
    public async Task SigningKeyActor_must_publish_a_rotated_key_a_lead_before_it_signs_and_retire_the_old_one_an_access_token_lifetime_later()
    {
        var keys = Start(Settings());
        var first = Assert.Single(await KeysAsync(keys));
        _time.Advance(TimeSpan.FromDays(1));

        var rotated = await RotateAsync(keys);

        var next = Assert.Single(rotated.Keys, k => k.KeyId == rotated.KeyId);
        Assert.Equal(_time.GetUtcNow() + Lead, next.ActivatesAt);
        Assert.Equal([SigningKeyState.Current, SigningKeyState.Next], Schedule(rotated.Keys).Select(k => k.State));
        // Pushed to the node before the rotation was answered.
        Assert.True(_ring.Knows(next.KeyId));

        // A second rotation while one waits to sign is refused.
        keys.Tell(RotateSigningKey.Default, TestActor);
        Assert.Contains(next.KeyId, (await ExpectMsgAsync<SigningKeyRotationRefused>()).Reason, StringComparison.Ordinal);

        _time.Advance(Lead);
        var afterLead = Schedule(await KeysAsync(keys));
        Assert.Equal([SigningKeyState.Retired, SigningKeyState.Current], afterLead.Select(k => k.State));
        Assert.Equal(next.ActivatesAt, afterLead[0].RetiresAt);
        Assert.Equal(next.ActivatesAt + SpecSupport.Settings().AccessTokenTtl, afterLead[0].ExpiresAt);

        // Once every token the old key signed has expired, it is no longer published.
        _time.Advance(SpecSupport.Settings().AccessTokenTtl);
        Assert.Equal(next.KeyId, Assert.Single(await KeysAsync(keys)).KeyId);
        Assert.NotEqual(first.KeyId, next.KeyId);
    }

    [Fact]
    public async Task SigningKeyActor_must_sign_with_a_rotated_key_at_once_when_the_lead_is_zero()
    {
        var keys = Start(Settings(lead: TimeSpan.Zero));
        await KeysAsync(keys);
        _time.Advance(TimeSpan.FromSeconds(1));

        var rotated = await RotateAsync(keys);

        var schedule = Schedule(rotated.Keys);
        Assert.Equal([SigningKeyState.Retired, SigningKeyState.Current], schedule.Select(k => k.State));
        Assert.Equal(rotated.KeyId, schedule[1].Entry.KeyId);
        Assert.Equal(rotated.KeyId, _ring.Keys!.Signing(_time.GetUtcNow()).KeyId);
    }

    [Fact]
    public async Task SigningKeyActor_must_add_the_next_key_on_schedule_a_lead_before_the_current_one_is_due()
    {
        var keys = Start(Settings(rotation: TimeSpan.FromDays(30)));
        var first = Assert.Single(await KeysAsync(keys));

        _time.Advance(TimeSpan.FromDays(30) - Lead - TimeSpan.FromMinutes(1));
        Assert.Single(await KeysAsync(keys));

        _time.Advance(TimeSpan.FromMinutes(1));
        var withNext = await KeysAsync(keys);
        Assert.Equal(2, withNext.Count);
        Assert.Equal(first.ActivatesAt + TimeSpan.FromDays(30), withNext[1].ActivatesAt);
        Assert.Equal([SigningKeyState.Current, SigningKeyState.Next], Schedule(withNext).Select(k => k.State));
    }

    [Fact]
    public async Task SigningKeyActor_must_keep_its_keys_and_schedule_after_a_restart()
    {
        var keys = Start(Settings());
        await KeysAsync(keys);
        var rotated = await RotateAsync(keys);
        await SpecSupport.StopAndWaitAsync(this, keys);

        var recovered = Start(Settings());

        Assert.Equal(rotated.Keys, await KeysAsync(recovered));
    }

    [Fact]
    public async Task SigningKeyActor_must_store_keys_encrypted_with_the_key_encryption_key()
    {
        var kek = KeyEncryptionKey.Generate();
        var keys = Start(Settings(kek));

        var key = Assert.Single(await KeysAsync(keys));

        Assert.StartsWith(KeyEncryptionKey.Prefix + kek.KeyId + ":", key.PrivateKey, StringComparison.Ordinal);
        Assert.Equal(key.KeyId, SigningKeyMaterial.FromPem(kek.Unprotect(key.PrivateKey, SigningKeyEntry.Purpose)).KeyId);
        var stored = Assert.IsType<SigningKeyAdded>(Assert.Single(await SpecSupport.JournalEventsAsync(this, PersistenceId)));
        Assert.DoesNotContain("PRIVATE KEY", stored.Key.PrivateKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigningKeyActor_must_rewrite_a_clear_key_of_the_earlier_one_key_format_encrypted_and_delete_the_clear_events()
    {
        var pem = SigningKeyMaterial.GeneratePem(SigningAlgorithm.ES256);
        var writer = Sys.ActorOf(Akka.Actor.Props.Create(() => new LegacyWriter(PersistenceId, new SigningKeyGenerated(pem, "ES256"))));
        writer.Tell("write", TestActor);
        await ExpectMsgAsync("written");
        await SpecSupport.StopAndWaitAsync(this, writer);
        var kek = KeyEncryptionKey.Generate();

        var keys = Start(Settings(kek));

        var key = Assert.Single(await KeysAsync(keys));
        Assert.Equal(SigningKeyMaterial.FromPem(pem).KeyId, key.KeyId);
        Assert.True(KeyEncryptionKey.IsProtected(key.PrivateKey));
        await AwaitAssertAsync(async () =>
            Assert.DoesNotContain(await SpecSupport.JournalEventsAsync(this, PersistenceId), e => e is SigningKeyGenerated or SigningKeyAdded));

        // Recovered from the encrypted snapshot alone.
        await SpecSupport.StopAndWaitAsync(this, keys);
        Assert.Equal(key, Assert.Single(await KeysAsync(Start(Settings(kek)))));
    }

    [Fact]
    public async Task SigningKeyActor_must_refuse_to_serve_keys_encrypted_with_another_key_encryption_key()
    {
        var kek = KeyEncryptionKey.Generate();
        var keys = Start(Settings(kek));
        await KeysAsync(keys);
        await SpecSupport.StopAndWaitAsync(this, keys);
        var other = KeyEncryptionKey.Generate();

        var wrong = Start(Settings(other));

        wrong.Tell(GetSigningKeys.Default, TestActor);
        var refused = await ExpectMsgAsync<SigningKeysUnavailable>();
        Assert.Contains(kek.KeyId, refused.Reason, StringComparison.Ordinal);
        Assert.Contains(other.KeyId, refused.Reason, StringComparison.Ordinal);
        wrong.Tell(RotateSigningKey.Default, TestActor);
        await ExpectMsgAsync<SigningKeysUnavailable>();
        Assert.Single(await SpecSupport.JournalEventsAsync(this, PersistenceId));
    }

    [Fact]
    public async Task SigningKeyActor_must_take_the_key_files_key_as_the_first_current_key_and_rotate_in_a_replaced_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            var pem = SigningKeyMaterial.GeneratePem(SigningAlgorithm.RS256);
            await File.WriteAllTextAsync(file, pem);
            var keys = Start(Settings(keyFile: file));

            var first = Assert.Single(await KeysAsync(keys));
            Assert.Equal(SigningKeyMaterial.FromPem(pem).KeyId, first.KeyId);
            Assert.Equal(SigningKeyEntry.File, first.Source);
            Assert.Equal(SecurityAlgorithms.RsaSha256, first.Algorithm);

            await SpecSupport.StopAndWaitAsync(this, keys);
            var replaced = SigningKeyMaterial.GeneratePem(SigningAlgorithm.ES256);
            await File.WriteAllTextAsync(file, replaced);

            var both = await KeysAsync(Start(Settings(keyFile: file)));
            Assert.Equal([first.KeyId, SigningKeyMaterial.FromPem(replaced).KeyId], both.Select(k => k.KeyId));
            Assert.Equal(_time.GetUtcNow() + Lead, both[1].ActivatesAt);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task SigningKeyActor_must_answer_concurrent_first_requests_with_one_key()
    {
        var keys = Start(Settings());
        for (var i = 0; i < 5; i++)
        {
            keys.Tell(GetSigningKeys.Default, TestActor);
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            ids.Add(Assert.Single((await ExpectMsgAsync<CurrentSigningKeys>()).Keys).KeyId);
        }

        Assert.Single(ids);
        Assert.Single(await SpecSupport.JournalEventsAsync(this, PersistenceId));
    }

    [Fact]
    public async Task SigningKeyActor_must_answer_nodes_of_the_previous_version_with_the_current_key_as_a_pem()
    {
        var kek = KeyEncryptionKey.Generate();
        var keys = Start(Settings(kek));
        var key = Assert.Single(await KeysAsync(keys));

        keys.Tell(new GetSigningKey(GetSigningKey.Default, SigningAlgorithm.ES256), TestActor);

        Assert.Equal(key.KeyId, SigningKeyMaterial.FromPem((await ExpectMsgAsync<CurrentSigningKey>()).Pem).KeyId);
    }

    /// <summary>Writes one event as an earlier version of the entity did.</summary>
    private sealed class LegacyWriter : ReceivePersistentActor
    {
        public LegacyWriter(string persistenceId, object legacyEvent)
        {
            PersistenceId = persistenceId;
            Command<string>(_ =>
            {
                var replyTo = Sender;
                Persist(legacyEvent, _ => replyTo.Tell("written"));
            });
        }

        public override string PersistenceId { get; }
    }
}
