using Json.Schema;

namespace OAuth2.Actors.Server.Tests;

/// <summary>The shipped envelope schema (JSON Schema 2020-12), with format validation on.</summary>
public static class EventEnvelopeSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() => Parse(EventJson.Schema()));

    public static JsonSchema Parse(string text) => JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    /// <summary>Every error the schema finds in <paramref name="envelope"/> (empty when valid).</summary>
    public static IReadOnlyList<string> Errors(JsonElement envelope, JsonSchema? schema = null)
    {
        var results = (schema ?? Schema.Value).Evaluate(envelope, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (results.IsValid)
        {
            return [];
        }

        var errors = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (no details)"];
    }
}
