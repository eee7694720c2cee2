using Akka.Configuration;

namespace OAuth2.Actors.Server.Configuration;

/// <summary>
/// Reads the actor-system defaults shipped in <c>hocon/akka.conf</c>. The server's own settings are not HOCON: their
/// defaults are in the options classes, overridden by appsettings and the environment through IConfiguration.
/// </summary>
public static class HoconDefaults
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config Load(string fileName)
    {
        var path = Path.Combine(Directory, fileName);
        return File.Exists(path) ? ConfigurationFactory.ParseString(File.ReadAllText(path)) : Config.Empty;
    }
}
