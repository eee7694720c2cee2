namespace OAuth2.Actors.Server.Tests;

/// <summary>Assertions on the wire format of OAuth2 responses.</summary>
public static class OAuthAssert
{
    /// <summary>
    /// The response is an RFC 6749 5.2 error: the expected status (never 500), a JSON object with <c>error</c> and
    /// <c>error_description</c>, and <c>Cache-Control: no-store</c>. Returns the body.
    /// </summary>
    public static async Task<JsonElement> Error(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode != HttpStatusCode.InternalServerError, $"The server failed (500): {body}");
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        var json = ErrorBody(body);
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.True(response.Headers.CacheControl?.NoStore == true, "Error responses must carry Cache-Control: no-store.");
        return json;
    }

    /// <summary>The same checks for a response read by the client library (its <c>Error</c> is the reason phrase on 401).</summary>
    public static JsonElement Error(ProtocolResponse response, HttpStatusCode status, string error)
    {
        Assert.True(response.HttpStatusCode != HttpStatusCode.InternalServerError, $"The server failed (500): {response.Raw}");
        Assert.True(status == response.HttpStatusCode, $"Expected {(int)status}, got {(int)response.HttpStatusCode}: {response.Raw}");
        Assert.True(response.IsError);
        var json = ErrorBody(response.Raw ?? string.Empty);
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.True(response.HttpResponse?.Headers.CacheControl?.NoStore == true, "Error responses must carry Cache-Control: no-store.");
        return json;
    }

    /// <summary>A 401 <see cref="Error(HttpResponseMessage, HttpStatusCode, string)"/> with exactly one challenge, of <paramref name="scheme"/>.</summary>
    public static async Task<JsonElement> Unauthorized(HttpResponseMessage response, string error, string scheme)
    {
        var json = await Error(response, HttpStatusCode.Unauthorized, error);
        Assert.Equal(scheme, response.Headers.WwwAuthenticate.Single().Scheme);
        return json;
    }

    /// <summary>The same checks for a response read by the client library.</summary>
    public static JsonElement Unauthorized(ProtocolResponse response, string error, string scheme)
    {
        var json = Error(response, HttpStatusCode.Unauthorized, error);
        Assert.Equal(scheme, response.HttpResponse!.Headers.WwwAuthenticate.Single().Scheme);
        return json;
    }

    /// <summary>
    /// The body is an RFC 6749 5.2 error object; the error code is checked against the RFC's character set, and so is
    /// the description when <paramref name="strictDescription"/> is set (the server currently echoes request input
    /// into some descriptions, see the skipped charset tests in <see cref="BadInputTests"/>).
    /// </summary>
    public static JsonElement ErrorBody(string body, bool strictDescription = false)
    {
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(body);
            json = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"The error body is not JSON ({e.Message}): {body}");
        }

        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.True(json.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String, $"No string 'error' member: {body}");
        Assert.True(json.TryGetProperty("error_description", out var description) && description.ValueKind == JsonValueKind.String, $"No string 'error_description' member: {body}");

        // RFC 6749 5.2: error is NQSCHAR (%x20-21 / %x23-5B / %x5D-7E); error_description must not be empty.
        Assert.True(IsNqsChars(error.GetString()!), $"'error' has characters outside RFC 6749 5.2: {body}");
        Assert.False(string.IsNullOrWhiteSpace(description.GetString()), $"Empty error_description: {body}");
        Assert.True(!strictDescription || IsNqsChars(description.GetString()!), $"'error_description' has characters outside RFC 6749 5.2: {body}");
        return json;
    }

    /// <summary>RFC 6749 A.7 / 5.2 charset of error and error_description: %x20-21 / %x23-5B / %x5D-7E.</summary>
    public static bool IsNqsChars(string value) =>
        value.All(c => c is >= (char)0x20 and <= (char)0x21 or >= (char)0x23 and <= (char)0x5B or >= (char)0x5D and <= (char)0x7E);

    /// <summary>Exactly <c>{"active":false}</c> (RFC 7662 2.2: nothing else about an inactive token).</summary>
    public static void Inactive(string? raw)
    {
        Assert.NotNull(raw);
        using var document = JsonDocument.Parse(raw);
        var members = document.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["active"], members);
        Assert.Equal(JsonValueKind.False, document.RootElement.GetProperty("active").ValueKind);
    }
}
