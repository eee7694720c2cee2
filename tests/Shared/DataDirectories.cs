namespace OAuth2.Actors.Testing;

/// <summary>Fresh temporary data directories for test hosts, removed best effort.</summary>
public static class DataDirectories
{
    public static string New()
    {
        var path = Path.Combine(Path.GetTempPath(), "oauth2-actors-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind does not affect other tests.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
