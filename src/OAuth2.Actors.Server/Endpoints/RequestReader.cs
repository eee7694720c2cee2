using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Server.Configuration;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>
/// HTTP framing only: content type, size limit, decoding. What the parameters mean is for the actors.
/// </summary>
public sealed class RequestReader(IOptions<OAuth2Options> options)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    private readonly int _limit = options.Value.MaxRequestBodyBytes;

    /// <summary>Reads an application/x-www-form-urlencoded body, keeping repeated parameters.</summary>
    public async Task<(OAuthParameters? Form, string? Problem)> ReadForm(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsMediaType(request.ContentType, "application/x-www-form-urlencoded"))
        {
            return (null, "The body must be application/x-www-form-urlencoded.");
        }

        var (body, problem) = await ReadBody(request, cancellationToken);
        if (body is null)
        {
            return (null, problem);
        }

        var text = Encoding.UTF8.GetString(body);
        var values = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in QueryHelpers.ParseQuery(text))
        {
            foreach (var v in value)
            {
                values.Add(KeyValuePair.Create(key, v ?? string.Empty));
            }
        }

        return (new OAuthParameters(values), null);
    }

    public async Task<(T? Value, string? Problem)> ReadJson<T>(HttpRequest request, CancellationToken cancellationToken, JsonSerializerOptions? json = null)
        where T : class
    {
        if (!IsMediaType(request.ContentType, "application/json"))
        {
            return (null, "The body must be application/json.");
        }

        var (body, problem) = await ReadBody(request, cancellationToken);
        if (body is null)
        {
            return (null, problem);
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(body, json ?? Json);
            return value is null ? (null, "The body must be a JSON object.") : (value, null);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // The parser's own message names .NET types; say where the problem is instead.
            return (null, $"The body is not valid JSON for this endpoint (problem at {(e as JsonException)?.Path ?? "$"}).");
        }
    }

    private async Task<(byte[]? Body, string? Problem)> ReadBody(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _limit)
        {
            return (null, $"The body is larger than {_limit} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > _limit)
                {
                    return (null, $"The body is larger than {_limit} bytes.");
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            return (null, $"The body could not be read: {e.Message}");
        }

        return (buffer.ToArray(), null);
    }

    private static bool IsMediaType(string? contentType, string expected) =>
        contentType is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && string.Equals(parsed.MediaType.Value, expected, StringComparison.OrdinalIgnoreCase);
}
