namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// At start: warns about the sign-in settings an operator should change: the lockout settings back-off replaced (still
/// read, as the back-off's threshold and longest wait), weak password hashing, and the rate limits turned off.
/// </summary>
public sealed partial class SignInSettingsWarning(IOptions<OAuth2Options> options, ILogger<SignInSettingsWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.LockoutMaxFailures is { } failures)
        {
            LogDeprecated(logger, "OAUTH2_LOCKOUT_MAX_FAILURES", failures, "OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES", o.EffectiveSignInBackoffAfterFailures);
        }

        if (o.LockoutSeconds is { } seconds)
        {
            LogDeprecated(logger, "OAUTH2_LOCKOUT_SECONDS", seconds, "OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS", o.EffectiveSignInBackoffMaxSeconds);
        }

        if (o.PasswordHashIterations < Configuration.OAuth2OptionsValidator.MinimumPasswordHashIterations)
        {
            LogWeakHashing(logger, o.PasswordHashIterations);
        }

        if (o.RateLimitSignInPerMinute == 0)
        {
            LogSignInUnlimited(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Old} is deprecated (accounts are no longer locked; sign-ins back off): read as {New}. Now {Value}; effective {New} {Effective}. Rename the setting.")]
    private static partial void LogDeprecated(ILogger logger, string old, int value, string @new, int effective);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAUTH2_PASSWORD_HASH_ITERATIONS is {Iterations} (OAUTH2_TEST_ONLY_ALLOW_WEAK_PASSWORD_HASHING): new password hashes are weak. For test suites only.")]
    private static partial void LogWeakHashing(ILogger logger, int iterations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE is 0: sign-in attempts are not limited per source address (password spraying across accounts is then bounded by the per-username back-off only).")]
    private static partial void LogSignInUnlimited(ILogger logger);
}
