using System.Buffers;
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

        var (body, length, problem) = await ReadBody(request, cancellationToken);
        if (body is null)
        {
            return (null, problem);
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(body, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }

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

        var (body, length, problem) = await ReadBody(request, cancellationToken);
        if (body is null)
        {
            return (null, problem);
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(body.AsSpan(0, length), json ?? Json);
            return value is null ? (null, "The body must be a JSON object.") : (value, null);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // The parser's own message names .NET types; say where the problem is instead.
            return (null, $"The body is not valid JSON for this endpoint (problem at {(e as JsonException)?.Path ?? "$"}).");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>
    /// The body in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it), sized from
    /// Content-Length when there is one: one copy out of Kestrel, no per-request chunk or MemoryStream.
    /// </summary>
    private async Task<(byte[]? Body, int Length, string? Problem)> ReadBody(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _limit)
        {
            return (null, 0, $"The body is larger than {_limit} bytes.");
        }

        // One byte more than announced, so a body longer than its Content-Length is still read to the end (Kestrel rejects it).
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is { } announced ? (int)announced + 1 : 4096);
        var length = 0;
        var owned = true;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
                if (length > _limit)
                {
                    return (null, 0, $"The body is larger than {_limit} bytes.");
                }

                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            owned = false;
            return (buffer, length, null);
        }
        catch (BadHttpRequestException e)
        {
            return (null, 0, $"The body could not be read: {e.Message}");
        }
        finally
        {
            if (owned)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static bool IsMediaType(string? contentType, string expected) =>
        contentType is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && string.Equals(parsed.MediaType.Value, expected, StringComparison.OrdinalIgnoreCase);
}
