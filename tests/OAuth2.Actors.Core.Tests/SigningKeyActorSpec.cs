using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Core.Tests;

public class SigningKeyActorSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(SpecSupport.Persistence, output: output)
{
    private async Task<string> GetPemAsync(IActorRef keys, SigningAlgorithm algorithm = SigningAlgorithm.ES256, string name = GetSigningKey.Default)
    {
        keys.Tell(new GetSigningKey(name, algorithm), TestActor);
        var key = await ExpectMsgAsync<CurrentSigningKey>();
        Assert.Equal(name, key.KeyName);
        return key.Pem;
    }

    [Fact]
    public async Task SigningKeyActor_must_generate_one_es256_key_and_keep_answering_with_it()
    {
        var keys = Sys.ActorOf(SigningKeyActor.Props(GetSigningKey.Default));

        var first = await GetPemAsync(keys);
        var second = await GetPemAsync(keys);

        Assert.Contains("-----BEGIN PRIVATE KEY-----", first, StringComparison.Ordinal);
        Assert.Equal(first, second);
        Assert.Equal(SecurityAlgorithms.EcdsaSha256, SigningKeyMaterial.FromPem(first).Algorithm);
        var events = await SpecSupport.JournalEventsAsync(this, $"signing-key-{GetSigningKey.Default}");
        var generated = Assert.IsType<SigningKeyGenerated>(Assert.Single(events));
        Assert.Equal(first, generated.Pem);
        Assert.Equal(nameof(SigningAlgorithm.ES256), generated.Algorithm);
    }

    [Fact]
    public async Task SigningKeyActor_must_answer_with_the_same_key_after_a_restart()
    {
        var keys = Sys.ActorOf(SigningKeyActor.Props(GetSigningKey.Default));
        var before = await GetPemAsync(keys);
        await SpecSupport.StopAndWaitAsync(this, keys);

        var recovered = Sys.ActorOf(SigningKeyActor.Props(GetSigningKey.Default));
        var after = await GetPemAsync(recovered);

        Assert.Equal(before, after);
        Assert.Equal(SigningKeyMaterial.FromPem(before).KeyId, SigningKeyMaterial.FromPem(after).KeyId);
        Assert.Single(await SpecSupport.JournalEventsAsync(this, $"signing-key-{GetSigningKey.Default}"));
    }

    [Fact]
    public async Task SigningKeyActor_must_keep_the_first_key_even_when_asked_for_another_algorithm()
    {
        var keys = Sys.ActorOf(SigningKeyActor.Props(GetSigningKey.Default));
        var es256 = await GetPemAsync(keys, SigningAlgorithm.ES256);

        Assert.Equal(es256, await GetPemAsync(keys, SigningAlgorithm.RS256));
    }

    [Fact]
    public async Task SigningKeyActor_must_generate_an_rs256_key_when_asked()
    {
        var keys = Sys.ActorOf(SigningKeyActor.Props("rsa"));

        var pem = await GetPemAsync(keys, SigningAlgorithm.RS256, "rsa");

        var material = SigningKeyMaterial.FromPem(pem);
        Assert.Equal(SecurityAlgorithms.RsaSha256, material.Algorithm);
        Assert.Equal("RSA", material.PublicJwk["kty"]);
    }

    [Fact]
    public async Task SigningKeyActor_must_keep_a_separate_key_per_name()
    {
        var first = await GetPemAsync(Sys.ActorOf(SigningKeyActor.Props("one")), name: "one");
        var second = await GetPemAsync(Sys.ActorOf(SigningKeyActor.Props("two")), name: "two");

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task SigningKeyActor_must_answer_concurrent_first_requests_with_one_key()
    {
        var keys = Sys.ActorOf(SigningKeyActor.Props(GetSigningKey.Default));
        for (var i = 0; i < 5; i++)
        {
            keys.Tell(new GetSigningKey(GetSigningKey.Default, SigningAlgorithm.ES256), TestActor);
        }

        var pems = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            pems.Add((await ExpectMsgAsync<CurrentSigningKey>()).Pem);
        }

        Assert.Single(pems);
        Assert.Single(await SpecSupport.JournalEventsAsync(this, $"signing-key-{GetSigningKey.Default}"));
    }
}
