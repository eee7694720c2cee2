namespace OAuth2.Actors.Auth;

/// <summary>How many requests failed because of the server itself (a bug), since start: shown on <c>/health</c>.</summary>
public sealed class ServerFailures
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record() => Interlocked.Increment(ref _count);
}
