using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace OAuth2.Actors.Server.OpenApi;

/// <summary>
/// The names of the document's schemas (components.schemas). Their JSON Schema is <c>schemas.json</c> beside this file,
/// written from what the handlers really send: the handlers build their JSON by hand (snake_case, some fields omitted
/// when null, others sent as null), which no schema inferred from a .NET type would say. The event envelope's schema is
/// the one the core ships (<c>GET /events/schema</c>).
/// </summary>
public static class Schemas
{
    public const string OAuthError = nameof(OAuthError);
    public const string ProblemDetails = nameof(ProblemDetails);
    public const string EventingDisabled = nameof(EventingDisabled);
    public const string TokenRequest = nameof(TokenRequest);
    public const string TokenResponse = nameof(TokenResponse);
    public const string IntrospectionRequest = nameof(IntrospectionRequest);
    public const string IntrospectionResponse = nameof(IntrospectionResponse);
    public const string RevocationRequest = nameof(RevocationRequest);
    public const string ClientMetadata = nameof(ClientMetadata);
    public const string ClientUpdateRequest = nameof(ClientUpdateRequest);
    public const string ClientInformation = nameof(ClientInformation);
    public const string AuthorizationServerMetadata = nameof(AuthorizationServerMetadata);
    public const string JsonWebKeySet = nameof(JsonWebKeySet);
    public const string Health = nameof(Health);
    public const string Readiness = nameof(Readiness);
    public const string EventsHealth = nameof(EventsHealth);
    public const string EventPage = nameof(EventPage);
    public const string EventEnvelope = nameof(EventEnvelope);
    public const string EventType = nameof(EventType);
    public const string EventStream = nameof(EventStream);
    public const string IncomingEventEnvelope = nameof(IncomingEventEnvelope);
    public const string IngestResult = nameof(IngestResult);
    public const string SinkStatus = nameof(SinkStatus);
    public const string SinkList = nameof(SinkList);
    public const string ReplayRequest = nameof(ReplayRequest);
    public const string ReplayStarted = nameof(ReplayStarted);
    public const string Webhook = nameof(Webhook);
    public const string WebhookCreated = nameof(WebhookCreated);
    public const string WebhookList = nameof(WebhookList);
    public const string WebhookCreateRequest = nameof(WebhookCreateRequest);
    public const string WebhookUpdateRequest = nameof(WebhookUpdateRequest);
    public const string WebhookSecretRotated = nameof(WebhookSecretRotated);
    public const string WebhookAttempts = nameof(WebhookAttempts);
    public const string WebhookRedeliveryRequest = nameof(WebhookRedeliveryRequest);
    public const string WebhookRedelivery = nameof(WebhookRedelivery);
    public const string User = nameof(User);
    public const string ClientSummary = nameof(ClientSummary);
    public const string ClientSummaryList = nameof(ClientSummaryList);
    public const string UserList = nameof(UserList);
    public const string NewUser = nameof(NewUser);
    public const string UserRolesPatch = nameof(UserRolesPatch);
    public const string ResourceServerRequest = nameof(ResourceServerRequest);
    public const string ResourceServer = nameof(ResourceServer);
    public const string ResourceServerList = nameof(ResourceServerList);
    public const string SigningKeyList = nameof(SigningKeyList);
    public const string SigningKeyRotated = nameof(SigningKeyRotated);
    public const string ConsentForm = nameof(ConsentForm);
    public const string SignInForm = nameof(SignInForm);
    public const string SignUpForm = nameof(SignUpForm);
    public const string SignOutForm = nameof(SignOutForm);
    public const string ConsoleActionForm = nameof(ConsoleActionForm);
    public const string ConsoleReplayForm = nameof(ConsoleReplayForm);
    public const string ConsoleWebhookForm = nameof(ConsoleWebhookForm);
    public const string ConsoleRedeliverForm = nameof(ConsoleRedeliverForm);
    public const string ConsoleClientDeleteForm = nameof(ConsoleClientDeleteForm);
    public const string ConsoleRolesForm = nameof(ConsoleRolesForm);
    public const string HtmlPage = nameof(HtmlPage);
    public const string JsonSchemaDocument = nameof(JsonSchemaDocument);
    public const string PrometheusText = nameof(PrometheusText);

    private static readonly Lazy<IReadOnlyList<(string Name, string Json)>> Texts = new(Load);

    /// <summary>Every schema of the document, parsed into <paramref name="document"/> (its references resolve there).</summary>
    public static IEnumerable<(string Name, IOpenApiSchema Schema)> For(OpenApiDocument document) =>
        Texts.Value.Select(t => (t.Name, (IOpenApiSchema)Parse(t.Json, document)));

    /// <summary>A JSON Schema text as an OpenAPI 3.1 schema of <paramref name="document"/>.</summary>
    public static OpenApiSchema Parse(string json, OpenApiDocument document)
    {
        var schema = OpenApiModelFactory.Parse<OpenApiSchema>(json, OpenApiSpecVersion.OpenApi3_1, document, out var diagnostic, "json");
        if (schema is null || diagnostic?.Errors.Count > 0)
        {
            throw new InvalidOperationException($"An OpenAPI schema of the server does not parse: {string.Join("; ", diagnostic?.Errors.Select(e => e.Message) ?? [])}\n{json}");
        }

        return schema;
    }

    private static IReadOnlyList<(string Name, string Json)> Load()
    {
        using var stream = typeof(Schemas).Assembly.GetManifestResourceStream("OAuth2.Actors.Server.OpenApi.schemas.json")
            ?? throw new InvalidOperationException("The OpenAPI schemas are not embedded.");
        var schemas = JsonNode.Parse(stream)!.AsObject();

        // The envelope's own schema, less the keywords of a standalone schema file (its $id would move the base URI).
        var envelope = JsonNode.Parse(OAuth2.Actors.Events.EventJson.Schema())!.AsObject();
        envelope.Remove("$schema");
        envelope.Remove("$id");
        schemas[EventEnvelope] = envelope;

        return schemas.Select(s => (s.Key, s.Value!.ToJsonString(new JsonSerializerOptions { WriteIndented = false }))).ToArray();
    }
}
