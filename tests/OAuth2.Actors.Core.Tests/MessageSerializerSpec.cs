using System.Runtime.Serialization;
using System.Text;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Serialization;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// Every message that may cross nodes is in the closed table, reads back exactly as it was written, and is bound to
/// our serializer in the actor system the specs (and the host) build; a manifest outside the table is refused.
/// </summary>
public class MessageSerializerSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(SpecSupport.Persistence, output: output)
{
    /// <summary>What is addressed to the sharded entities, by entity type.</summary>
    private static readonly Type[] EntityCommands =
    [
        typeof(IClientCommand), typeof(IUserCommand), typeof(IUserDirectoryCommand), typeof(ICodeCommand),
        typeof(IRefreshFamilyCommand), typeof(ISigningKeyCommand), typeof(IRevocationCommand), typeof(IResourceRegistryCommand),
    ];

    /// <summary>The entities, and the per-node actors other nodes ask (with what asks them).</summary>
    private static readonly Type[] Senders =
    [
        typeof(SigningKeyViewActor),
        typeof(ClientActor), typeof(UserActor), typeof(UserDirectoryActor), typeof(AuthorizationCodeActor), typeof(RefreshFamilyActor),
        typeof(SigningKeyActor), typeof(RevocationActor), typeof(ClientCacheActor), typeof(ClientCacheInvalidation), typeof(RevocationViewActor),
        typeof(UnusedClientSweeper), typeof(ClientDirectoryActor),
        typeof(ResourceRegistryActor), typeof(ResourceDirectoryActor),
        typeof(OAuth2.Actors.Hosting.UnknownIdCacheActor),
    ];

    /// <summary>What those actors build that never leaves them: journal events, their state, their own timer ticks.</summary>
    private static readonly string[] StaysInTheActor =
    [
        nameof(ClientCreated), nameof(ClientCredentialsReplaced), nameof(ClientMetadataReplaced), nameof(ClientRemoved), nameof(ClientRecord),
        nameof(ClientCacheInvalidation), nameof(ClientFirstAuthenticated), nameof(OpenRegistrationTracked), nameof(OpenRegistrationSettled),
        nameof(ClientStatusChanged), nameof(ClientListed), nameof(ClientUnlisted),
        nameof(UserRecord), nameof(UserRegistered), nameof(UserLoginFailed), nameof(UserLoginSucceeded),
        nameof(UserConsentGranted), nameof(UserRemoved), nameof(UserRolesChanged), nameof(UserSessionsEnded), nameof(UserSignInBackoffReset), nameof(UserListed), nameof(UserUnlisted),
        nameof(UserPasswordRehashed), "Hashed", "Rehashed", nameof(OAuth2.Actors.Hosting.UnknownIdCache),
        nameof(CodeIssued), nameof(CodeConsumed),
        nameof(RefreshFamilyOpened), nameof(RefreshTokenRotated), nameof(RefreshFamilyClosed),
        nameof(SigningKeyAdded), nameof(SigningKeySnapshot), nameof(SigningKeysRewritten), nameof(SigningKeyEntry),
        "Check", "Continue", "Poll", "Cooled", nameof(SigningKeysRefreshed), nameof(KeyEncryptionException), nameof(TokenRevocationRecorded), nameof(RevocationsPurged), "PurgeTick", "Tick", "PullTick", "Pull",
        nameof(ResourceServerRegistered), nameof(ResourceServerReplaced), nameof(ResourceServerRemoved), "PullFailed",
    ];

    private OAuth2MessageSerializer Serializer => (OAuth2MessageSerializer)Sys.Serialization.FindSerializerForType(typeof(StopEntity));

    [Fact]
    public void Every_type_in_the_table_must_have_a_sample()
    {
        Assert.Equal(Names(MessageManifests.Types), Names(MessageSamples.All.Select(m => m.GetType())));
    }

    [Fact]
    public void Every_message_must_read_back_as_it_was_written()
    {
        foreach (var message in MessageSamples.All.Concat(MessageSamples.Variants))
        {
            var bytes = Serializer.ToBinary(message);
            var copy = Serializer.FromBinary(bytes, Serializer.Manifest(message));

            Assert.IsType(message.GetType(), copy);
            Assert.Equivalent(message, copy, strict: true);
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(Serializer.ToBinary(copy)));
            if (!HasCollection(message.GetType()))
            {
                Assert.Equal(message, copy);
            }
        }
    }

    [Fact]
    public void Every_message_in_the_table_must_be_bound_to_our_serializer()
    {
        foreach (var message in MessageSamples.All)
        {
            Assert.IsType<OAuth2MessageSerializer>(Sys.Serialization.FindSerializerFor(message));
        }
    }

    [Fact]
    public void Every_command_of_every_entity_must_be_in_the_table()
    {
        foreach (var command in EntityCommands)
        {
            var implementations = typeof(MessageManifests).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && command.IsAssignableFrom(t)).ToArray();
            Assert.NotEmpty(implementations);
            Assert.Empty(Names(implementations.Where(t => MessageManifests.ManifestOf(t) is null)));
        }
    }

    [Fact]
    public void Everything_the_entities_and_the_per_node_actors_send_must_be_in_the_table()
    {
        // The scan sees what is built in a method, in a lambda, in an async method, and read from a static field.
        Assert.Contains(typeof(CurrentClient), ConstructedTypes.In(typeof(ClientActor)));
        Assert.Contains(typeof(PushRevocation), ConstructedTypes.In(typeof(RevocationActor)));
        Assert.Contains(typeof(InvalidateClientCache), ConstructedTypes.In(typeof(ClientCacheInvalidation)));
        Assert.Contains(typeof(StopEntity), ConstructedTypes.In(typeof(UserActor)));

        var carried = Payloads();
        var built = Senders.SelectMany(ConstructedTypes.In).ToHashSet();
        var sent = built.Where(t => MessageManifests.ManifestOf(t) is null && !carried.Contains(t) && !StaysInTheActor.Contains(t.Name));

        Assert.Empty(Names(sent));
        Assert.Empty(StaysInTheActor.Except(built.Select(t => t.Name))); // the list names nothing those actors no longer build
    }

    [Fact]
    public void An_unknown_manifest_must_be_refused()
    {
        var bytes = Serializer.ToBinary(new GetClient("client-1"));

        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "no-such-message"));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, typeof(GetClient).AssemblyQualifiedName!));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, string.Empty));
    }

    [Fact]
    public void A_body_that_does_not_read_must_be_refused()
    {
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(Encoding.UTF8.GetBytes("{\"ClientId\":"), MessageManifests.ManifestOf(typeof(GetClient))!));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(Encoding.UTF8.GetBytes("null"), MessageManifests.ManifestOf(typeof(GetClient))!));
    }

    [Fact]
    public void A_type_outside_the_table_must_not_be_written()
    {
        Assert.Throws<SerializationException>(() => Serializer.ToBinary(new SessionUser("user-1", "alice")));
    }

    private static string[] Names(IEnumerable<Type> types) => types.Select(t => t.FullName!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The core's types inside the table's messages (constructor parameters, collections' elements), transitively.</summary>
    private static HashSet<Type> Payloads()
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(MessageManifests.Types);
        while (pending.TryPop(out var type))
        {
            var parameters = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType);
            foreach (var parameter in parameters.SelectMany(Unwrapped))
            {
                if (parameter.Assembly == typeof(MessageManifests).Assembly && found.Add(parameter))
                {
                    pending.Push(parameter);
                }
            }
        }

        return found;
    }

    private static IEnumerable<Type> Unwrapped(Type type) =>
        type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrapped)
        : type.IsArray ? Unwrapped(type.GetElementType()!)
        : [type];

    /// <summary>Records compare collections by reference; those are compared by content (<see cref="Assert.Equivalent"/>) instead.</summary>
    private static bool HasCollection(Type type) =>
        type.GetProperties().Any(p => p.PropertyType != typeof(string)
            && (typeof(System.Collections.IEnumerable).IsAssignableFrom(p.PropertyType) || (p.PropertyType.Assembly == type.Assembly && !p.PropertyType.IsEnum && HasCollection(p.PropertyType))));
}
