using OAuth2.Actors.Diagnostics;

namespace OAuth2.Actors.Auth;

/// <summary>How many requests failed because of the server itself (a bug), since start: shown on <c>/health</c> and counted in <c>oauth2.server.failures</c>.</summary>
public sealed class ServerFailures(OAuth2Metrics? metrics = null)
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record()
    {
        Interlocked.Increment(ref _count);
        metrics?.ServerFailure();
    }
}
