using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Configuration;
using Akka.Serialization;

namespace OAuth2.Actors.Serialization;

/// <summary>
/// The serializer of every message that may cross nodes (<see cref="MessageManifests"/>): System.Text.Json for the
/// body and the table's short manifest for the type. Nothing on the wire names a .NET type, so a peer (or anyone who
/// reaches the remoting port) cannot make a node build a type outside the table, which the default Newtonsoft
/// serializer, with its type names, would. An unknown manifest is refused with <see cref="SerializationException"/>:
/// Akka drops that message and logs it.
/// </summary>
public sealed class OAuth2MessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The name the serializer is configured under.</summary>
    public const string Name = "oauth2";

    /// <summary>Stable: a journal or a peer names the serializer by this number (Akka reserves 0 to 100).</summary>
    public const int Id = 4100;

    /// <summary>
    /// The serializer and its binding for every type of the table, as HOCON. The host (through Akka.Hosting) and the
    /// test kit both use this, so what is bound cannot differ between them.
    /// </summary>
    public static Config Configuration { get; } = ConfigurationFactory.ParseString(Hocon());

    /// <summary>
    /// Enums by name (a reordered enum does not change what a peer of the previous version reads); only the
    /// properties a type is built from (computed ones such as <c>ScopeList</c> are not sent).
    /// </summary>
    internal static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OnlyConstructedProperties } },
    };

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        MessageManifests.ManifestOf(o.GetType()) ?? throw new SerializationException($"{o.GetType()} is not in the table of cross-node messages.");

    public override byte[] ToBinary(object obj)
    {
        _ = Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = MessageManifests.TypeOf(manifest) ?? throw new SerializationException($"Unknown message manifest '{manifest}'.");
        try
        {
            return JsonSerializer.Deserialize(bytes, type, Options) ?? throw new SerializationException($"A null '{manifest}' message.");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"A '{manifest}' message that does not read: {e.Message}", e);
        }
    }

    private static void OnlyConstructedProperties(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (info.Properties[i] is { Set: null, AssociatedParameter: null })
            {
                info.Properties.RemoveAt(i);
            }
        }
    }

    private static string Hocon()
    {
        var hocon = new StringBuilder();
        hocon.Append("akka.actor {\n");
        hocon.Append($"  serializers.{Name} = \"{typeof(OAuth2MessageSerializer).FullName}, {typeof(OAuth2MessageSerializer).Assembly.GetName().Name}\"\n");
        hocon.Append($"  serialization-identifiers.\"{typeof(OAuth2MessageSerializer).FullName}, {typeof(OAuth2MessageSerializer).Assembly.GetName().Name}\" = {Id}\n");
        hocon.Append("  serialization-bindings {\n");
        foreach (var type in MessageManifests.Types)
        {
            hocon.Append($"    \"{type.FullName}, {type.Assembly.GetName().Name}\" = {Name}\n");
        }

        hocon.Append("  }\n}\n");
        return hocon.ToString();
    }
}
