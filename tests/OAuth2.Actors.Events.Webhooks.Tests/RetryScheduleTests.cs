using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Events.Webhooks.Tests;

public sealed class RetryScheduleTests
{
    [Fact]
    public void The_specification_example_parses_to_its_durations()
    {
        var schedule = RetrySchedule.Parse("5s,5m,30m,2h,5h,10h,10h");
        Assert.Equal(WebhookSettings.DefaultRetrySchedule, schedule);
        Assert.Equal("5s,5m,30m,2h,5h,10h,10h", RetrySchedule.Format(schedule));
    }

    [Fact]
    public void Spaces_and_upper_case_units_are_accepted_and_days_count_for_the_disable_period()
    {
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2)], RetrySchedule.Parse(" 1s , 2M "));
        Assert.Equal(TimeSpan.FromDays(5), RetrySchedule.ParseDuration("5d"));
    }

    [Theory]
    [InlineData("", "at least one duration")]
    [InlineData("5s,,5m", "Retry 2")]
    [InlineData("5x", "unit 'x'")]
    [InlineData("5", "not a duration")]
    [InlineData("s", "not a duration")]
    [InlineData("-5s", "not a duration")]
    [InlineData("1.5h", "not a duration")]
    [InlineData("0s", "zero")]
    [InlineData("5000d", "longer than")]
    public void A_bad_schedule_is_refused_with_a_message_naming_the_problem(string value, string expected)
    {
        Assert.False(RetrySchedule.TryParse(value, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(expected, Assert.Throws<FormatException>(() => RetrySchedule.Parse(value)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://hooks.example.com/x", false, null)]
    [InlineData("http://hooks.example.com/x", true, null)]
    [InlineData("http://hooks.example.com/x", false, "https")]
    [InlineData("ftp://hooks.example.com/x", true, "https or http")]
    [InlineData("/relative", false, "absolute")]
    [InlineData("https://user:pw@hooks.example.com/", false, "user-info")]
    [InlineData("https://hooks.example.com/#frag", false, "fragment")]
    [InlineData("", false, "required")]
    public void WebhookUrl_accepts_only_absolute_https_urls_without_user_info_or_fragment(string url, bool allowHttp, string? problem)
    {
        var found = WebhookUrl.Validate(url, allowHttp);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }
}
