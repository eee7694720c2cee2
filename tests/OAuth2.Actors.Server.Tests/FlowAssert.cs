namespace OAuth2.Actors.Server.Tests;

/// <summary>Assertions for the pages and ProblemDetails answers.</summary>
public static class FlowAssert
{
    /// <summary>A page answered 200 with the page headers: its HTML.</summary>
    public static async Task<string> Page(HttpResponseMessage page)
    {
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        PageHeaders(page);
        return html;
    }

    /// <summary>The page's HTML holds every one of <paramref name="fragments"/>.</summary>
    public static void Contains(string html, params string[] fragments) =>
        Assert.All(fragments, fragment => Assert.Contains(fragment, html, StringComparison.Ordinal));

    /// <summary>Every page forbids framing, caching and sniffing.</summary>
    public static void PageHeaders(HttpResponseMessage response)
    {
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore == true, "Pages must carry Cache-Control: no-store.");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
        return json.RootElement.Clone();
    }

    public static void NotServerError(HttpResponseMessage response, string body) =>
        Assert.True((int)response.StatusCode < 500, $"The server failed ({(int)response.StatusCode}): {body}");

    /// <summary>An <c>authorization_code_expired</c> event was emitted for <paramref name="client"/>, with <paramref name="reason"/> (expired, replayed).</summary>
    public static async Task CodeExpiredEvent(TestHost host, RegisteredClient client, string reason)
    {
        var events = await host.WaitForEventsOfType("authorization_code_expired", e => Str(e, "client_id") == client.ClientId);
        Assert.Equal(reason, Meta(events[0], "reason"));
    }

    public static string Meta(JsonElement e, string key) =>
        e.GetProperty("metadata").TryGetProperty(key, out var v) ? v.GetString() ?? string.Empty : string.Empty;

    public static string? Str(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>An error of /oauth/authorize sent back to the client: a redirect with error, description, state and iss, never a code.</summary>
    public static void ErrorRedirect(HttpResponseMessage response, string error, string state, string issuer)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = TestBrowser.Location(response)!;
        Assert.StartsWith("https://client.example/", location, StringComparison.Ordinal);
        var parsed = new AuthorizeResponse(location);
        Assert.Equal(error, parsed.Error);
        Assert.Equal(state, parsed.State);
        Assert.Equal(issuer, parsed.Issuer);
        Assert.Null(parsed.Code);
        Assert.False(string.IsNullOrEmpty(parsed.ErrorDescription));
    }

    /// <summary>An error of /oauth/authorize shown as a page (a bad client or redirect URI): 400, no redirect.</summary>
    public static async Task ErrorPage(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected a 400 error page, got {(int)response.StatusCode} {response.Headers.Location}: {html}");
        Assert.Null(response.Headers.Location);
        PageHeaders(response);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
    }

    /// <summary>A form post refused with 400 (or 415), no redirect and no session cookie.</summary>
    public static async Task Refused(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        NotServerError(response, body);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"Expected 400, got {(int)response.StatusCode} {response.Headers.Location}: {body}");
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("oauth2.session=", StringComparison.Ordinal) && !c.StartsWith("oauth2.session=;", StringComparison.Ordinal)));
    }
}
