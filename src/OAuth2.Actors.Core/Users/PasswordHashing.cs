using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Configuration;

namespace OAuth2.Actors.Users;

/// <summary>
/// The node's password hashing: ASP.NET Core Identity's PBKDF2 hasher (HMAC-SHA512, <see cref="ServerSettings.PasswordHashIterations"/>
/// iterations) run by at most <see cref="ServerSettings.PasswordHashWorkers"/> workers at once, so a flood of sign-ins
/// takes that many cores and no more: token issuance keeps the rest. Work waits its turn without holding a thread, and
/// work whose deadline (its request's) passes before it starts is dropped, not run: its caller has already answered.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    private static readonly UserRecord Nobody = new("x", "x", null, string.Empty, DateTimeOffset.UnixEpoch);

    private readonly PasswordHasher<UserRecord> _hasher;
    private readonly SemaphoreSlim _workers;
    private readonly TimeProvider _time;
    private readonly Lazy<string> _dummyHash;
    private long _dropped;

    public PasswordHashing(int iterations, int workers, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _hasher = new PasswordHasher<UserRecord>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = iterations,
        }));
        _workers = new SemaphoreSlim(workers, workers);
        _time = time;
        Workers = workers;

        // Verifying against this hash makes an unknown username cost as much as a known one (no enumeration by timing).
        _dummyHash = new(() => _hasher.HashPassword(Nobody, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24))));
    }

    public static PasswordHashing For(ServerSettings settings, TimeProvider time) =>
        new(settings.PasswordHashIterations, settings.PasswordHashWorkers, time);

    public int Workers { get; }

    /// <summary>Hashes dropped because their deadline passed while they waited for a worker.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Null when dropped (the deadline passed before a worker was free).</summary>
    public Task<PasswordVerificationResult?> Verify(UserRecord user, string password, DateTimeOffset deadline) =>
        Run<PasswordVerificationResult?>(() => _hasher.VerifyHashedPassword(user, user.PasswordHash, password), deadline);

    /// <summary>The same work as <see cref="Verify"/> against a hash no password matches (an unknown username).</summary>
    public async Task<bool> VerifyNobody(string password, DateTimeOffset deadline) =>
        await Run<PasswordVerificationResult?>(() => _hasher.VerifyHashedPassword(Nobody, _dummyHash.Value, password), deadline) is not null;

    /// <summary>A new hash at the configured iteration count; null when dropped.</summary>
    public Task<string?> Hash(UserRecord user, string password, DateTimeOffset deadline) =>
        Run<string?>(() => _hasher.HashPassword(user, password), deadline);

    public void Dispose() => _workers.Dispose();

    private async Task<T?> Run<T>(Func<T> work, DateTimeOffset deadline)
    {
        var wait = deadline - _time.GetUtcNow();
        if (wait <= TimeSpan.Zero || !await _workers.WaitAsync(wait).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _dropped);
            return default;
        }

        try
        {
            if (_time.GetUtcNow() >= deadline)
            {
                Interlocked.Increment(ref _dropped);
                return default;
            }

            // Off the caller's thread (an actor's): the caller waits for the result as a message.
            return await Task.Run(work).ConfigureAwait(false);
        }
        finally
        {
            _workers.Release();
        }
    }
}
