using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using OAuth2.Actors.Server.Pages;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>What a request is counted as, when it is counted at all.</summary>
public enum RateLimitKind
{
    /// <summary>POST of the sign-in or sign-up form, or a password-grant token request: one password hash each.</summary>
    SignIn,

    /// <summary>POST /clients/register without an Authorization header (open registration): one journal write each.</summary>
    OpenRegistration,

    /// <summary>A failed client authentication at the token, introspection or revocation endpoint.</summary>
    ClientAuthFailure,

    /// <summary>An event ingested by one authenticated client.</summary>
    Ingest,
}

/// <summary>
/// The limits (per minute, from the validated options; 0 turns one off) and their token buckets: per source address for
/// sign-in, open registration and failed client authentication, per client for ingest. Each bucket holds a minute's
/// worth of permits and refills steadily (a burst of the whole limit, then the limit's pace).
/// </summary>
public sealed class RateLimitPolicies : IDisposable
{
    internal const string KindItem = "oauth2.rate-limit";

    private readonly PartitionedRateLimiter<HttpContext> _requests;
    private readonly PartitionedRateLimiter<string>? _clientAuthFailures;
    private readonly PartitionedRateLimiter<string>? _ingest;

    public RateLimitPolicies(IOptions<OAuth2Options> options)
    {
        var o = options.Value;
        SignInPerMinute = o.RateLimitSignInPerMinute;
        RegistrationsPerMinute = o.RateLimitRegistrationsPerMinute;
        ClientAuthFailuresPerMinute = o.RateLimitClientAuthFailuresPerMinute;
        IngestPerMinute = o.RateLimitIngestPerMinute;
        DetectsPasswordGrant = SignInPerMinute > 0 && o.AllowPasswordGrant;
        _requests = PartitionedRateLimiter.Create<HttpContext, (RateLimitKind Kind, string Source)>(Partition);
        _clientAuthFailures = ClientAuthFailuresPerMinute > 0
            ? PartitionedRateLimiter.Create<string, string>(source => RateLimitPartition.GetTokenBucketLimiter(source, _ => PerMinute(ClientAuthFailuresPerMinute)))
            : null;
        _ingest = IngestPerMinute > 0
            ? PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ => PerMinute(IngestPerMinute)))
            : null;
    }

    public int SignInPerMinute { get; }

    public int RegistrationsPerMinute { get; }

    public int ClientAuthFailuresPerMinute { get; }

    public int IngestPerMinute { get; }

    /// <summary>Whether token requests must be looked into for <c>grant_type=password</c> (only with the grant on and the limit on).</summary>
    public bool DetectsPasswordGrant { get; }

    /// <summary>The limiter of ASP.NET Core's rate limiting middleware: sign-in and open registration, per source address.</summary>
    public PartitionedRateLimiter<HttpContext> Requests => _requests;

    /// <summary>
    /// The address a request is counted under: the connection's peer (never a forwarded header, which the client
    /// writes), IPv4-mapped addresses as IPv4, IPv6 by /64 (what one subscriber usually holds).
    /// </summary>
    public static string SourceOf(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    /// <summary>False (and how long to wait) when this source is over its failed client authentications.</summary>
    public bool MayAuthenticateClient(HttpContext http, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_clientAuthFailures is null)
        {
            return true;
        }

        // A whole permit left, i.e. room to record one more failure. Not a zero-permit probe: the token bucket refills by
        // fractions between its periods, and any fraction above zero would let that probe through.
        var source = SourceOf(http);
        if (_clientAuthFailures.GetStatistics(source) is not { CurrentAvailablePermits: < 1 })
        {
            return true;
        }

        // The next whole permit comes back within one replenishment period.
        var period = PerMinute(ClientAuthFailuresPerMinute).ReplenishmentPeriod;
        retryAfter = period < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : period;
        return false;
    }

    public void RecordClientAuthFailure(HttpContext http) => _clientAuthFailures?.AttemptAcquire(SourceOf(http)).Dispose();

    /// <summary>False (and how long to wait) when the client has ingested its events of the minute.</summary>
    public bool MayIngest(string clientId, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_ingest is null)
        {
            return true;
        }

        using var lease = _ingest.AttemptAcquire(clientId);
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = RetryAfter(lease, IngestPerMinute);
        return false;
    }

    public static TimeSpan RetryAfter(RateLimitLease lease, int perMinute)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : PerMinute(perMinute).ReplenishmentPeriod;
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }

    public void Dispose()
    {
        _requests.Dispose();
        _clientAuthFailures?.Dispose();
        _ingest?.Dispose();
    }

    /// <summary>
    /// A bucket of a minute's permits refilled at the limit's pace, in steps of at least a second (the partitioned
    /// limiter refills its buckets from one timer, a step per tick). No queue: over the limit is refused at once.
    /// </summary>
    internal static TokenBucketRateLimiterOptions PerMinute(int perMinute)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(60.0 / perMinute)));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(perMinute * period.TotalSeconds / 60)),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = false,
        };
    }

    private RateLimitPartition<(RateLimitKind, string)> Partition(HttpContext http)
    {
        var kind = KindOf(http);
        var limit = kind switch
        {
            RateLimitKind.SignIn => SignInPerMinute,
            RateLimitKind.OpenRegistration => RegistrationsPerMinute,
            _ => 0,
        };
        if (kind is null || limit <= 0)
        {
            return RateLimitPartition.GetNoLimiter((RateLimitKind.Ingest, string.Empty));
        }

        http.Items[KindItem] = kind.Value;
        return RateLimitPartition.GetTokenBucketLimiter((kind.Value, SourceOf(http)), _ => PerMinute(limit));
    }

    private static RateLimitKind? KindOf(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            return null;
        }

        var path = request.Path;
        if (path.Equals(BrowserEndpoints.LoginPath, StringComparison.OrdinalIgnoreCase)
            || path.Equals("/auth/register", StringComparison.OrdinalIgnoreCase)
            || http.Items.ContainsKey(PasswordGrantDetector.Item))
        {
            return RateLimitKind.SignIn;
        }

        // Anything but a Bearer token is an open registration (the endpoint refuses other schemes, but counts first).
        if (path.Equals("/clients/register", StringComparison.OrdinalIgnoreCase)
            && !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return RateLimitKind.OpenRegistration;
        }

        return null;
    }
}
