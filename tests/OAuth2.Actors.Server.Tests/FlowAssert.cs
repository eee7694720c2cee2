using System.Net;
using System.Text.Json;
using Xunit;

namespace OAuth2.Actors.Server.Tests;

/// <summary>Assertions for the pages and ProblemDetails answers.</summary>
public static class FlowAssert
{
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

    public static string Meta(JsonElement e, string key) =>
        e.GetProperty("metadata").TryGetProperty(key, out var v) ? v.GetString() ?? string.Empty : string.Empty;

    public static string? Str(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
