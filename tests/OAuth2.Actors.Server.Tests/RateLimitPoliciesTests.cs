using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Server.Configuration;
using OAuth2.Actors.Server.Hosting;

namespace OAuth2.Actors.Server.Tests;

/// <summary>The buckets behind the limits: a minute's permits at once, then the limit's pace; never a permanent refusal.</summary>
public sealed class RateLimitPoliciesTests
{
    [Fact]
    public async Task A_bucket_must_refill_at_the_limits_pace_after_it_is_used_up()
    {
        using var policies = new RateLimitPolicies(Options.Create(new OAuth2Options { RateLimitIngestPerMinute = 60 }));
        for (var i = 0; i < 60; i++)
        {
            Assert.True(policies.MayIngest("producer", out _), $"permit {i + 1} of 60");
        }

        Assert.False(policies.MayIngest("producer", out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.True(policies.MayIngest("another producer", out _));

        // One permit a second comes back (refilled by the partitioned limiter's own timer).
        await Eventually.Until(() => Task.FromResult(policies.MayIngest("producer", out _)), "a permit comes back", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void A_limit_of_zero_must_limit_nothing()
    {
        using var policies = new RateLimitPolicies(Options.Create(new OAuth2Options { RateLimitIngestPerMinute = 0, RateLimitClientAuthFailuresPerMinute = 0 }));

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(policies.MayIngest("producer", out _));
        }
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    public void A_source_must_be_the_peer_address_with_IPv6_by_its_64_bit_prefix(string peer, string source)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        http.Request.Headers["X-Forwarded-For"] = "198.51.100.1";

        Assert.Equal(source, RateLimitPolicies.SourceOf(http));
    }
}
