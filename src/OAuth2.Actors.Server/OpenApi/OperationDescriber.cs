using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OAuth2.Actors.Server.OpenApi;

/// <summary>
/// Writes what an endpoint states about itself (<see cref="OpenApiAnnotations"/>) into its operation: its request
/// body, parameters, every response with its body and headers, and its security. The responses replace the generator's
/// guess (a bare 200 for a handler returning <see cref="IResult"/>): an endpoint documents all it answers, or nothing.
/// </summary>
public sealed class OperationDescriber : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("The operation has no document.");
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var method = context.Description.HttpMethod ?? HttpMethods.Get;

        // An endpoint without a name (one mapped for several methods has none: a name is per endpoint, an id per method).
        operation.OperationId ??= OperationId(method, context.Description.RelativePath ?? string.Empty);

        Describe(operation, metadata, document);
        return Task.CompletedTask;
    }

    /// <summary>Writes the annotations among <paramref name="metadata"/> into <paramref name="operation"/>.</summary>
    public static void Describe(OpenApiOperation operation, IEnumerable<object> metadata, OpenApiDocument document)
    {
        var all = metadata.ToList();
        if (all.OfType<DocumentedRequestBody>().LastOrDefault() is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = body.Description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [body.ContentType] = new() { Schema = new OpenApiSchemaReference(body.Schema, document) },
                },
            };
        }

        Parameters(operation, all.OfType<DocumentedParameter>(), document);

        var responses = all.OfType<DocumentedResponse>().ToList();
        if (responses.Count > 0)
        {
            operation.Responses = Responses(responses, document);
        }

        if (all.OfType<DocumentedSecurity>().LastOrDefault() is { } security)
        {
            operation.Security = security.AnyOf
                .Select(alternative =>
                {
                    var requirement = new OpenApiSecurityRequirement();
                    if (alternative.Scheme.Length > 0)
                    {
                        requirement[new OpenApiSecuritySchemeReference(alternative.Scheme, document)] = [.. alternative.Scopes];
                    }

                    return requirement;
                })
                .ToList();
        }
    }

    /// <summary>camelCase of the method and the path's words: GET /clients/register is getClientsRegister.</summary>
    public static string OperationId(string method, string path)
    {
        var words = path.Split(['/', '-', '.', '{', '}', '_'], StringSplitOptions.RemoveEmptyEntries);
        return method.ToLowerInvariant() + string.Concat(words.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
    }

    private static void Parameters(OpenApiOperation operation, IEnumerable<DocumentedParameter> documented, OpenApiDocument document)
    {
        foreach (var parameter in documented)
        {
            var location = parameter.In switch
            {
                "path" => ParameterLocation.Path,
                "header" => ParameterLocation.Header,
                _ => ParameterLocation.Query,
            };

            // A route parameter the generator found from the handler's arguments: only its description is added.
            if (operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == parameter.Name && p.In == location) is { } existing)
            {
                existing.Description = parameter.Description;
                continue;
            }

            operation.Parameters ??= [];
            var schema = Schemas.Parse(parameter.Schema, document);
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = parameter.Name,
                In = location,
                Description = parameter.Description,
                Required = parameter.Required,
                Schema = schema,
                // A repeatable query parameter is sent as name=a&name=b.
                Style = schema.Type == JsonSchemaType.Array ? ParameterStyle.Form : null,
                Explode = schema.Type == JsonSchemaType.Array,
            });
        }
    }

    /// <summary>
    /// The responses by status. An endpoint that answers one status in two ways (eventing disabled, or the log did not
    /// answer) gets both: one entry per media type, and a oneOf where two bodies share a media type.
    /// </summary>
    private static OpenApiResponses Responses(List<DocumentedResponse> documented, OpenApiDocument document)
    {
        var responses = new OpenApiResponses();
        foreach (var group in documented.GroupBy(r => r.Status).OrderBy(g => g.Key))
        {
            var response = new OpenApiResponse
            {
                Description = string.Join(" Or: ", group.Select(r => r.Description).Distinct(StringComparer.Ordinal)),
            };

            foreach (var byType in group.Where(r => r.Schema is not null).GroupBy(r => r.ContentType!))
            {
                var schemas = byType.Select(r => r.Schema!).Distinct(StringComparer.Ordinal).ToList();
                response.Content ??= new Dictionary<string, OpenApiMediaType>();
                response.Content[byType.Key] = new OpenApiMediaType
                {
                    Schema = schemas.Count == 1
                        ? new OpenApiSchemaReference(schemas[0], document)
                        : new OpenApiSchema { OneOf = schemas.Select(s => (IOpenApiSchema)new OpenApiSchemaReference(s, document)).ToList() },
                };
            }

            foreach (var header in group.SelectMany(r => r.Headers).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers[header] = new OpenApiHeaderReference(header, document);
            }

            responses[group.Key.ToString(CultureInfo.InvariantCulture)] = response;
        }

        return responses;
    }
}
