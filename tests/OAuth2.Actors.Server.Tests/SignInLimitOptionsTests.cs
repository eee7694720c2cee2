using OAuth2.Actors.Server.Configuration;

namespace OAuth2.Actors.Server.Tests;

/// <summary>Password hashing cost, the back-off settings (and the lockout names they replace), the rate limits' defaults.</summary>
public sealed class SignInLimitOptionsTests
{
    [Fact]
    public void Password_hashing_must_default_to_the_OWASP_iterations_for_PBKDF2_HMAC_SHA512()
    {
        var settings = OptionsBinding.Bind().ToSettings();

        Assert.Equal(210_000, settings.PasswordHashIterations);
    }

    [Fact]
    public void Password_hashing_below_100000_iterations_must_be_refused_outside_tests_naming_the_setting()
    {
        var failure = Assert.Single(OptionsBinding.Failures(OptionsBinding.Bind(("OAUTH2_PASSWORD_HASH_ITERATIONS", "10000"))));
        Assert.Contains("OAUTH2_PASSWORD_HASH_ITERATIONS", failure, StringComparison.Ordinal);

        Assert.Empty(OptionsBinding.Failures(OptionsBinding.Bind(("OAUTH2_PASSWORD_HASH_ITERATIONS", "10000"), ("OAUTH2_TEST_ONLY_ALLOW_WEAK_PASSWORD_HASHING", "true"))));
    }

    [Fact]
    public void The_lockout_settings_must_be_read_as_the_back_off_settings_until_renamed()
    {
        var legacy = OptionsBinding.Bind(("OAUTH2_LOCKOUT_MAX_FAILURES", "7"), ("OAUTH2_LOCKOUT_SECONDS", "120")).ToSettings();
        Assert.Equal(7, legacy.SignInBackoffAfterFailures);
        Assert.Equal(TimeSpan.FromSeconds(120), legacy.SignInBackoffMax);

        var renamed = OptionsBinding.Bind(("OAUTH2_LOCKOUT_MAX_FAILURES", "7"), ("OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES", "4")).ToSettings();
        Assert.Equal(4, renamed.SignInBackoffAfterFailures);
    }

    [Fact]
    public void A_back_off_whose_longest_wait_is_shorter_than_its_first_must_be_refused()
    {
        var failure = Assert.Single(OptionsBinding.Failures(OptionsBinding.Bind(("OAUTH2_SIGNIN_BACKOFF_SECONDS", "60"), ("OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS", "30"))));

        Assert.Contains("OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_limits_must_be_on_by_default()
    {
        var options = OptionsBinding.Bind();

        Assert.Equal(30, options.RateLimitSignInPerMinute);
        Assert.Equal(60, options.RateLimitClientAuthFailuresPerMinute);
        Assert.Equal(10, options.RateLimitRegistrationsPerMinute);
        Assert.True(options.RateLimitIngestPerMinute > 0);
    }

    [Fact]
    public void Back_off_must_double_per_failure_up_to_its_maximum()
    {
        var settings = OptionsBinding.Bind(("OAUTH2_SIGNIN_BACKOFF_AFTER_FAILURES", "3"), ("OAUTH2_SIGNIN_BACKOFF_SECONDS", "2"), ("OAUTH2_SIGNIN_BACKOFF_MAX_SECONDS", "10")).ToSettings();

        Assert.Equal([0, 0, 0, 2, 4, 8, 10, 10], Enumerable.Range(0, 8).Select(f => settings.SignInBackoff(f).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(10), settings.SignInBackoff(int.MaxValue));
    }
}
