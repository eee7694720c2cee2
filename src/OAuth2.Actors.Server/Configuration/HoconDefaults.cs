using Akka.Configuration;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>
/// Reads the defaults shipped in <c>hocon/</c>. The <c>oauth2</c> block of oauth2.conf becomes the lowest-priority
/// configuration source, so environment variables (and appsettings) override it through IConfiguration, never
/// through HOCON substitution.
/// </summary>
public static class HoconDefaults
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config Load(string fileName)
    {
        var path = Path.Combine(Directory, fileName);
        return File.Exists(path) ? ConfigurationFactory.ParseString(File.ReadAllText(path)) : Config.Empty;
    }

    public static IConfigurationBuilder AddOAuth2HoconDefaults(this IConfigurationBuilder builder)
    {
        var config = Load("oauth2.conf");
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (!config.IsEmpty && config.HasPath("oauth2"))
        {
            foreach (var (key, value) in config.GetConfig("oauth2").AsEnumerable())
            {
                values[key] = value.GetString();
            }
        }

        // Inserted first: every later source (appsettings, environment, command line) wins.
        var list = (IList<IConfigurationSource>)builder.Sources;
        list.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values });
        return builder;
    }
}
