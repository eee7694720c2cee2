using System.Data.Common;
using System.Globalization;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// The DataProtection key ring in the server's database (table <c>oauth2_data_protection_keys</c>), beside the journal:
/// every node of a cluster protects and reads session cookies and CSRF tokens with the same keys, and they survive a
/// restart like everything else. Keys are only ever added (DataProtection revokes a key by adding a revocation element).
/// </summary>
/// <remarks>
/// Nodes that start together on an empty ring may each create a key; that is harmless: a node that meets a payload
/// protected by a key it does not know reads the ring again before refusing it.
/// </remarks>
public sealed class DatabaseXmlRepository(DatabaseSettings database) : IXmlRepository
{
    private const string Table = "oauth2_data_protection_keys";
    private readonly Lock _create = new();
    private bool _created;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT xml FROM {Table} ORDER BY created_at, friendly_name";
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
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
