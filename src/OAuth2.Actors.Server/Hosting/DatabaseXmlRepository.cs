using System.Data.Common;
using System.Globalization;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The DataProtection key ring in the server's database (table <c>oauth2_data_protection_keys</c>), beside the journal:
/// every node of a cluster protects and reads session cookies and CSRF tokens with the same keys, and they survive a
/// restart like everything else. Keys are only ever added (DataProtection revokes a key by adding a revocation element).
/// With a key-encryption key, DataProtection stores each key's secret encrypted (<see cref="KekXmlEncryptor"/>); a key
/// stored in clear before the KEK was configured is encrypted here the first time the ring is read.
/// </summary>
/// <remarks>
/// Nodes that start together on an empty ring may each create a key; that is harmless: a node that meets a payload
/// protected by a key it does not know reads the ring again before refusing it.
/// </remarks>
public sealed class DatabaseXmlRepository(DatabaseSettings database, KeyEncryptionKey? kek = null) : IXmlRepository
{
    public const string Table = "oauth2_data_protection_keys";
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private readonly Lock _create = new();
    private bool _created;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var rows = ReadAll();
        var elements = new List<XElement>(rows.Count);
        foreach (var (name, element) in rows)
        {
            if (kek is not null && EncryptClearSecrets(element, kek))
            {
                Update(name, element);
            }

            elements.Add(element);
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO {Table} (friendly_name, xml, created_at) VALUES (@name, @xml, @created) ON CONFLICT (friendly_name) DO NOTHING";
        Add(command, "@name", friendlyName);
        Add(command, "@xml", element.ToString(SaveOptions.DisableFormatting));
        Add(command, "@created", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Why the stored ring cannot be read with this server's KEK (a secret encrypted with another one, or with one while
    /// none is configured now); null when it can.
    /// </summary>
    public string? KeyEncryptionProblem()
    {
        foreach (var (_, element) in ReadAll())
        {
            foreach (var encrypted in element.Descendants(KekXmlEncryptor.ElementName))
            {
                var stored = encrypted.Attribute(KekXmlEncryptor.KekAttribute)?.Value ?? "?";
                if (stored != kek?.KeyId)
                {
                    return "DataProtection key ring: " + KeyEncryptionKey.WrongKeyMessage(stored, kek?.KeyId);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Replaces every secret DataProtection marked <c>requiresEncryption</c> and stored in clear with the element its
    /// XML encryption writes (<c>encryptedSecret</c> naming the decryptor, around <see cref="KekXmlEncryptor"/>'s output).
    /// </summary>
    private static bool EncryptClearSecrets(XElement element, KeyEncryptionKey kek)
    {
        var clear = element.DescendantsAndSelf().Where(e => (bool?)e.Attribute(RequiresEncryption) == true).ToList();
        var encryptor = new KekXmlEncryptor(kek);
        foreach (var secret in clear)
        {
            var encrypted = encryptor.Encrypt(new XElement(secret));
            secret.ReplaceWith(new XElement(DataProtection + "encryptedSecret",
                new XAttribute("decryptorType", encrypted.DecryptorType.AssemblyQualifiedName!),
                encrypted.EncryptedElement));
        }

        return clear.Count > 0;
    }

    private List<(string Name, XElement Element)> ReadAll()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT friendly_name, xml FROM {Table} ORDER BY created_at, friendly_name";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, XElement)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), XElement.Parse(reader.GetString(1))));
        }

        return rows;
    }

    private void Update(string friendlyName, XElement element)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE {Table} SET xml = @xml WHERE friendly_name = @name";
        Add(command, "@name", friendlyName);
        Add(command, "@xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    private DbConnection Open()
    {
        var connection = database.CreateConnection();
        connection.Open();
        lock (_create)
        {
            if (!_created)
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"CREATE TABLE IF NOT EXISTS {Table} (friendly_name VARCHAR(200) PRIMARY KEY, xml TEXT NOT NULL, created_at VARCHAR(40) NOT NULL)";
                command.ExecuteNonQuery();
                _created = true;
            }
        }

        return connection;
    }

    private static void Add(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
