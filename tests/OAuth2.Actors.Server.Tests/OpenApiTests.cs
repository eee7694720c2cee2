using Json.Schema;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// The OpenAPI document at /openapi/v1.json and the reference page at /docs: the document names every route the server
/// maps with its methods, its security and its answers; the answers a client really gets match the schemas it gives;
/// and an independent validator (Redocly CLI, tests/openapi) finds nothing wrong with it.
/// </summary>
public sealed class OpenApiTests(OpenApiTests.Fixture fixture) : HostTests<OpenApiTests.Fixture>(fixture)
{
    /// <summary>An issuer as a deployment has one (Redocly rightly flags a document whose server is localhost).</summary>
    public const string Issuer = "http://auth.internal.example:8080";

    private const string DocumentPath = "/openapi/v1.json";
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    [Fact]
    public async Task The_OpenAPI_document_must_be_OpenAPI_3_1_served_by_the_issuer()
    {
        using var response = await Host.Client.GetAsync(DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("OAuth2.Actors", document["info"]!["title"]!.GetValue<string>());
        Assert.Equal(Issuer, document["servers"]![0]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_OpenAPI_document_must_describe_every_mapped_route()
    {
        var document = await Document();
        var paths = document["paths"]!.AsObject();

        // Every route of the running server, from its endpoint data sources, but the document and the reference page.
        var mapped = Host.Services.GetRequiredService<IEnumerable<EndpointDataSource>>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods))
            .Where(e => !e.Path.StartsWith("/openapi/", StringComparison.Ordinal) && !e.Path.StartsWith("/docs", StringComparison.Ordinal))
            .ToList();
        Assert.True(mapped.Count >= 50, $"Only {mapped.Count} routes were found: {string.Join(", ", mapped.Select(m => m.Path))}");

        var missing = new List<string>();
        foreach (var (path, methods) in mapped)
        {
            // An endpoint for any method (/metrics, a branch of its own) is at least a GET.
            foreach (var method in methods is { Count: > 0 } ? methods : ["GET"])
            {
                if (paths[path]?[method.ToLowerInvariant()] is null)
                {
                    missing.Add($"{method} {path}");
                }
            }
        }

        Assert.True(missing.Count == 0, "Mapped but not in the OpenAPI document:\n" + string.Join("\n", missing));

        var mappedPaths = mapped.Select(m => m.Path).ToHashSet(StringComparer.Ordinal);
        var unmapped = paths.Select(p => p.Key).Where(p => !mappedPaths.Contains(p)).ToList();
        Assert.True(unmapped.Count == 0, "In the OpenAPI document but not mapped:\n" + string.Join("\n", unmapped));
    }

    [Fact]
    public async Task Every_operation_must_have_a_summary_a_tag_an_id_and_its_security_stated()
    {
        var document = await Document();
        var tags = document["tags"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(
            new[] { "OAuth", "Discovery", "Clients", "Events", "Sinks", "Webhooks", "Users", "Client administration", "Resource servers", "Signing keys", "Health", "Browser", "Metrics", "Admin console" },
            document["tags"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, operation) in Operations(document))
        {
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{name} has no summary");
            Assert.True(ids.Add(operation["operationId"]?.GetValue<string>() ?? string.Empty), $"{name} has no operationId, or a duplicate one");
            var operationTags = operation["tags"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
            Assert.True(operationTags.Count == 1 && tags.Contains(operationTags[0]), $"{name} has tags [{string.Join(", ", operationTags)}]");
            Assert.True(operation["security"] is JsonArray, $"{name} does not state its security (an empty list says: public)");
            Assert.True(operation["responses"]?.AsObject().Count > 0, $"{name} documents no response");
        }
    }

    /// <summary>What Redocly's operation-2xx-response and operation-4xx-response would say, in the form that fits this API (tests/openapi/redocly.yaml).</summary>
    [Fact]
    public async Task Every_operation_must_document_its_success_and_the_refusals_of_its_credentials()
    {
        var document = await Document();
        foreach (var (name, operation) in Operations(document))
        {
            var statuses = operation["responses"]!.AsObject().Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (name.EndsWith(" /clients/register", StringComparison.Ordinal) && !name.StartsWith("POST", StringComparison.Ordinal))
            {
                Assert.Equal(new[] { 405 }, statuses);
                continue;
            }

            Assert.True(statuses.Any(s => s is >= 200 and < 400), $"{name} documents no success");

            var alternatives = operation["security"]?.AsArray().Select(a => a!.AsObject()).ToList() ?? [];
            var anonymousAllowed = alternatives.Count == 0 || alternatives.Any(a => a.Count == 0);
            if (!anonymousAllowed)
            {
                Assert.True(statuses.Contains(401), $"{name} requires credentials but documents no 401");
            }

            var needsScope = alternatives.Count > 0 && alternatives.All(a => a.Any(s => s.Key == "oauth2" && s.Value!.AsArray().Count > 0));
            if (needsScope && !name.EndsWith(" /metrics", StringComparison.Ordinal))
            {
                Assert.True(statuses.Contains(403), $"{name} requires a scope but documents no 403");
            }
        }
    }

    [Fact]
    public async Task The_security_schemes_must_name_client_authentication_and_the_bearer_scopes()
    {
        var schemes = (await Document())["components"]!["securitySchemes"]!;

        Assert.Equal("http", schemes["clientSecretBasic"]!["type"]!.GetValue<string>());
        Assert.Equal("basic", schemes["clientSecretBasic"]!["scheme"]!.GetValue<string>());

        var oauth2 = schemes["oauth2"]!;
        Assert.Equal("oauth2", oauth2["type"]!.GetValue<string>());
        var clientCredentials = oauth2["flows"]!["clientCredentials"]!;
        Assert.Equal(Issuer + "/oauth/token", clientCredentials["tokenUrl"]!.GetValue<string>());
        Assert.Equal(
            new[] { "admin", "events:ingest", "events:read", "metrics:read" },
            clientCredentials["scopes"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal(Issuer + "/oauth/authorize", oauth2["flows"]!["authorizationCode"]!["authorizationUrl"]!.GetValue<string>());

        Assert.Equal("bearer", schemes["initialAccessToken"]!["scheme"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["registrationAccessToken"]!["scheme"]!.GetValue<string>());
        Assert.Equal("cookie", schemes["sessionCookie"]!["in"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_token_endpoint_must_be_described_with_its_form_its_errors_and_client_authentication()
    {
        var document = await Document();
        var token = document["paths"]!["/oauth/token"]!["post"]!;

        Assert.Equal("#/components/schemas/TokenRequest", token["requestBody"]!["content"]!["application/x-www-form-urlencoded"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/TokenResponse", token["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        foreach (var status in new[] { "400", "401", "429", "503" })
        {
            Assert.Equal("#/components/schemas/OAuthError", token["responses"]![status]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        }

        Assert.Equal("#/components/headers/WWW-Authenticate", token["responses"]!["401"]!["headers"]!["WWW-Authenticate"]!["$ref"]!.GetValue<string>());
        Assert.Contains(token["security"]!.AsArray(), a => a!.AsObject().ContainsKey("clientSecretBasic"));

        var error = document["components"]!["schemas"]!["OAuthError"]!;
        Assert.Equal(new[] { "error", "error_description" }, error["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.NotNull(error["properties"]!["error_uri"]);
    }

    [Fact]
    public async Task The_admin_APIs_must_require_the_admin_scope_and_answer_401_and_403_as_ProblemDetails()
    {
        var sinks = (await Document())["paths"]!["/admin/api/sinks"]!["get"]!;

        var security = Assert.Single(sinks["security"]!.AsArray())!;
        Assert.Equal(new[] { "admin" }, security["oauth2"]!.AsArray().Select(s => s!.GetValue<string>()));
        foreach (var status in new[] { "401", "403" })
        {
            Assert.Equal("#/components/schemas/ProblemDetails", sinks["responses"]![status]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>());
        }

        Assert.Equal("#/components/schemas/SinkList", sinks["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_event_schemas_must_name_the_event_types_and_formats_the_server_knows()
    {
        var schemas = (await Document())["components"]!["schemas"]!;

        Assert.Equal(
            EventTypeNames.All.Order(StringComparer.Ordinal),
            schemas["EventType"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(
            EventFormats.Names.Split(", "),
            schemas["EventFormat"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()));

        // The envelope is the schema the core ships (GET /events/schema), not a copy that can drift.
        var shipped = JsonNode.Parse(EventJson.Schema())!.AsObject();
        shipped.Remove("$schema");
        shipped.Remove("$id");
        var envelope = schemas["EventEnvelope"]!;
        Assert.True(
            JsonNode.DeepEquals(Normalized(shipped), Normalized(envelope)),
            $"EventEnvelope differs from the shipped envelope schema:\n{envelope.ToJsonString()}\n{shipped.ToJsonString()}");
    }

    /// <summary>The schema with each type list sorted: ["null", "string"] and ["string", "null"] say the same.</summary>
    private static JsonNode? Normalized(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(
            p.Key,
            p.Key == "type" && p.Value is JsonArray types
                ? new JsonArray(types.Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal).Select(t => (JsonNode?)t).ToArray())
                : Normalized(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Normalized).ToArray()),
        _ => node?.DeepClone(),
    };

    [Fact]
    public async Task The_answers_a_client_gets_must_match_the_schemas_the_document_gives_for_them()
    {
        var document = await Document();
        var admin = await Host.AdminToken();

        await AssertDocumented(document, "GET", "/.well-known/oauth-authorization-server", await Host.Client.GetAsync("/.well-known/oauth-authorization-server"));
        await AssertDocumented(document, "GET", "/.well-known/jwks.json", await Host.Client.GetAsync("/.well-known/jwks.json"));
        await AssertDocumented(document, "GET", "/health", await Host.Client.GetAsync("/health"));
        await AssertDocumented(document, "GET", "/ready", await Host.Client.GetAsync("/ready"));
        await AssertDocumented(document, "GET", "/ready", await Host.Send(HttpMethod.Get, "/ready", admin));
        await AssertDocumented(document, "GET", "/events/health", await Host.Client.GetAsync("/events/health"));
        await AssertDocumented(document, "GET", "/events/health", await Host.Send(HttpMethod.Get, "/events/health", admin));
        await AssertDocumented(document, "GET", "/events/schema", await Host.Client.GetAsync("/events/schema"));

        // Registration and the client's configuration (RFC 7591, 7592).
        var registered = await Host.Send(HttpMethod.Post, "/clients/register", admin, JsonContent.Create(new { client_name = "openapi", scope = "read write", grant_types = new[] { "client_credentials" } }));
        var registration = JsonNode.Parse(await registered.Content.ReadAsStringAsync())!;
        await AssertDocumented(document, "POST", "/clients/register", registered);
        var client = new RegisteredClient(registration["client_id"]!.GetValue<string>(), registration["client_secret"]!.GetValue<string>());
        await AssertDocumented(document, "GET", "/clients/{clientId}", await Host.Send(HttpMethod.Get, "/clients/" + client.ClientId, registration["registration_access_token"]!.GetValue<string>()));
        await AssertDocumented(document, "GET", "/clients/{clientId}", await Host.Send(HttpMethod.Get, "/clients/" + client.ClientId, "not-a-registration-token"));
        await AssertDocumented(document, "GET", "/clients/register", await Host.Send(HttpMethod.Get, "/clients/register", bearer: null));
        var registrationToken = registration["registration_access_token"]!.GetValue<string>();
        await AssertDocumented(document, "PUT", "/clients/{clientId}", await Host.Send(HttpMethod.Put, "/clients/" + client.ClientId, registrationToken, JsonContent.Create(new { client_id = client.ClientId, client_name = "openapi, renamed", scope = "read write", grant_types = new[] { "client_credentials" } })));
        await AssertDocumented(document, "PUT", "/clients/{clientId}", await Host.Send(HttpMethod.Put, "/clients/" + client.ClientId, registrationToken, JsonContent.Create(new { client_id = "another" })));
        await AssertDocumented(document, "GET", "/clients/{clientId}", await Host.Send(HttpMethod.Get, "/clients/no-such-client", admin));

        // The OAuth endpoints.
        var issued = await Host.PostForm("/oauth/token", client, ("grant_type", "client_credentials"));
        var accessToken = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        await AssertDocumented(document, "POST", "/oauth/token", issued);
        await AssertDocumented(document, "POST", "/oauth/token", await Host.PostForm("/oauth/token", client with { ClientSecret = "wrong" }, ("grant_type", "client_credentials")));
        await AssertDocumented(document, "POST", "/oauth/token", await Host.PostForm("/oauth/token", client));
        await AssertDocumented(document, "POST", "/oauth/introspect", await Host.PostForm("/oauth/introspect", TestHost.Admin, ("token", accessToken)));
        await AssertDocumented(document, "POST", "/oauth/introspect", await Host.PostForm("/oauth/introspect", TestHost.Admin, ("token", "unknown")));
        await AssertDocumented(document, "POST", "/oauth/revoke", await Host.PostForm("/oauth/revoke", client, ("token", accessToken)));

        // The admin APIs, refused and answered.
        await AssertDocumented(document, "GET", "/admin/api/sinks", await Host.Send(HttpMethod.Get, "/admin/api/sinks", bearer: null));
        await AssertDocumented(document, "GET", "/admin/api/sinks", await Host.Send(HttpMethod.Get, "/admin/api/sinks", await Host.AccessToken(client)));
        await AssertDocumented(document, "GET", "/admin/api/sinks", await Host.Send(HttpMethod.Get, "/admin/api/sinks", admin));
        await AssertDocumented(document, "GET", "/admin/api/keys", await Host.Send(HttpMethod.Get, "/admin/api/keys", admin));
        await AssertDocumented(document, "POST", "/admin/api/users", await Host.Send(HttpMethod.Post, "/admin/api/users", admin, JsonContent.Create(new { username = "openapi-user", password = "correct horse battery", email = "user@example.com" })));
        await AssertDocumented(document, "GET", "/admin/api/users", await Host.Send(HttpMethod.Get, "/admin/api/users", admin));
        await AssertDocumented(document, "POST", "/admin/api/resources", await Host.Send(HttpMethod.Post, "/admin/api/resources", admin, JsonContent.Create(new { resource = ResourceServers.NewResource(), scopes = new[] { "read" }, client_id = client.ClientId })));
        await AssertDocumented(document, "GET", "/admin/api/resources", await Host.Send(HttpMethod.Get, "/admin/api/resources", admin));
        await AssertDocumented(document, "GET", "/admin/api/webhooks", await Host.Send(HttpMethod.Get, "/admin/api/webhooks", admin));

        // One user, one resource server, the signing keys' rotation (twice: the second waits for the first).
        var user = JsonNode.Parse(await (await Host.Send(HttpMethod.Get, "/admin/api/users/openapi-user", admin)).Content.ReadAsStringAsync())!["user_id"]!.GetValue<string>();
        await AssertDocumented(document, "GET", "/admin/api/users/{username}", await Host.Send(HttpMethod.Get, "/admin/api/users/" + user, admin));
        await AssertDocumented(document, "PATCH", "/admin/api/users/{username}", await Host.Send(HttpMethod.Patch, "/admin/api/users/" + user, admin, JsonContent.Create(new { roles = new[] { "auditor" } })));
        await AssertDocumented(document, "PATCH", "/admin/api/users/{username}", await Host.Send(HttpMethod.Patch, "/admin/api/users/" + user, admin, JsonContent.Create(new { email = "x@example.com" })));
        await AssertDocumented(document, "DELETE", "/admin/api/users/{username}", await Host.Send(HttpMethod.Delete, "/admin/api/users/" + user, admin));
        await AssertDocumented(document, "GET", "/admin/api/users/{username}", await Host.Send(HttpMethod.Get, "/admin/api/users/" + user, admin));
        var resources = JsonNode.Parse(await (await Host.Send(HttpMethod.Get, "/admin/api/resources", admin)).Content.ReadAsStringAsync())!;
        var resource = resources["resources"]![0]!;
        var resourcePath = "/admin/api/resources/" + resource["id"]!.GetValue<string>();
        await AssertDocumented(document, "GET", "/admin/api/resources/{id}", await Host.Send(HttpMethod.Get, resourcePath, admin));
        await AssertDocumented(document, "PUT", "/admin/api/resources/{id}", await Host.Send(HttpMethod.Put, resourcePath, admin, JsonContent.Create(new { resource = resource["resource"]!.GetValue<string>(), scopes = new[] { "read", "write" }, client_id = client.ClientId })));
        await AssertDocumented(document, "DELETE", "/admin/api/resources/{id}", await Host.Send(HttpMethod.Delete, resourcePath, admin));
        await AssertDocumented(document, "POST", "/admin/api/keys/rotate", await Host.Send(HttpMethod.Post, "/admin/api/keys/rotate", admin));
        await AssertDocumented(document, "POST", "/admin/api/keys/rotate", await Host.Send(HttpMethod.Post, "/admin/api/keys/rotate", admin));

        // The event log.
        var envelope = new
        {
            @event = new { id = "openapi-" + Guid.NewGuid().ToString("N"), event_type = "client_validated", timestamp = DateTimeOffset.UtcNow },
        };
        await AssertDocumented(document, "POST", "/events/ingest", await Host.Send(HttpMethod.Post, "/events/ingest", admin, JsonContent.Create(envelope)));
        await AssertDocumented(document, "POST", "/events/ingest", await Host.Send(HttpMethod.Post, "/events/ingest", admin, JsonContent.Create(envelope)));
        await AssertDocumented(document, "POST", "/events/ingest", await Host.Send(HttpMethod.Post, "/events/ingest", admin, JsonContent.Create(new { @event = new { id = "no type" } })));
        await AssertDocumented(document, "GET", "/events/{id}", await Host.Send(HttpMethod.Get, "/events/" + envelope.@event.id, admin));
        await AssertDocumented(document, "GET", "/events/{id}", await Host.Send(HttpMethod.Get, "/events/no-such-event", admin));
        await AssertDocumented(document, "GET", "/events", await Host.Send(HttpMethod.Get, "/events?limit=3", admin));
        await AssertDocumented(document, "GET", "/events", await Host.Send(HttpMethod.Get, "/events?limit=0", admin));
        await AssertDocumented(document, "GET", "/events/stream", await Host.Send(HttpMethod.Get, "/events/stream", bearer: null));
        await AssertDocumented(document, "GET", "/events/stream", await Host.Send(HttpMethod.Get, "/events/stream?limit=5", admin));

        // A page.
        await AssertDocumented(document, "GET", "/auth/login", await Host.Client.GetAsync("/auth/login"));

        // Last, the client goes (RFC 7592 2.3).
        await AssertDocumented(document, "DELETE", "/clients/{clientId}", await Host.Send(HttpMethod.Delete, "/clients/" + client.ClientId, registrationToken));
        await AssertDocumented(document, "DELETE", "/clients/{clientId}", await Host.Send(HttpMethod.Delete, "/clients/" + client.ClientId, registrationToken));
    }

    [Fact]
    public async Task The_reference_page_must_be_served_at_docs_from_the_server_itself()
    {
        using var redirect = await Host.Client.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal("docs/", redirect.Headers.Location?.OriginalString);

        using var page = await Host.Client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);

        // Its policy: this server's scripts and the page's own inline one (by its nonce), requests to this server only, no framing.
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(policy, "'nonce-([^']+)'").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(nonce), policy);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains($"script-src 'self' 'nonce-{nonce}';", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());

        // Every script carries the nonce; those it loads are served here (embedded in Scalar.AspNetCore), none from a CDN.
        var tags = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*>").Select(m => m.Value).ToList();
        Assert.NotEmpty(tags);
        Assert.All(tags, tag => Assert.Contains($"nonce=\"{nonce}\"", tag, StringComparison.Ordinal));
        var scripts = tags.Select(tag => System.Text.RegularExpressions.Regex.Match(tag, "\\ssrc=\"([^\"]+)\"")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(Uri.TryCreate(script, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https", $"/docs loads {script} from elsewhere");
            using var served = await Host.Client.GetAsync(new Uri(new Uri("http://localhost/docs/"), script));
            Assert.True(served.StatusCode == HttpStatusCode.OK, $"{script} answered {(int)served.StatusCode}");
        }

        // Another request, another nonce; and the sign-in page keeps its own, stricter policy.
        using var again = await Host.Client.GetAsync("/docs/");
        Assert.DoesNotContain(nonce, string.Join(";", again.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        using var signIn = await Host.Client.GetAsync("/auth/login");
        Assert.DoesNotContain("unsafe-inline", string.Join(";", signIn.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_OpenAPI_document_must_pass_Redocly_lint_with_the_recommended_rules()
    {
        OpenApiLint.Require();
        var file = Path.Combine(Path.GetTempPath(), $"oauth2-actors-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await Host.Client.GetStringAsync(DocumentPath));
        try
        {
            var (exitCode, report, stderr) = await OpenApiLint.Run(file);
            var problems = report["problems"]!.AsArray()
                .Select(p => $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {p["location"]?[0]?["pointer"]}")
                .ToList();
            Assert.True(problems.Count == 0, $"Redocly found {problems.Count} problem(s):\n{string.Join("\n", problems)}");
            Assert.True(exitCode == 0, $"redocly lint exited {exitCode}: {stderr}");
            Assert.Equal(0, report["totals"]!["errors"]!.GetValue<int>());
            Assert.Equal(0, report["totals"]!["warnings"]!.GetValue<int>());
        }
        finally
        {
            File.Delete(file);
        }
    }

    public sealed class Fixture() : TestHostFixture(("OAUTH2_ISSUER", Issuer));

    private async Task<JsonNode> Document() => JsonNode.Parse(await Host.Client.GetStringAsync(DocumentPath))!;

    private static IEnumerable<(string Name, JsonObject Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(m => Methods.Contains(m.Key))
            .Select(m => ($"{m.Key.ToUpperInvariant()} {path.Key}", m.Value!.AsObject())));

    private static Task AssertDocumented(JsonNode document, string method, string path, HttpResponseMessage response) =>
        OpenApiDocumentAssert.AssertDocumented(document, method, path, response);
}

/// <summary>The document's answer for one real answer of the server.</summary>
public static class OpenApiDocumentAssert
{
    /// <summary>
    /// The answer's status is one the operation documents, with this media type, and its body matches that schema
    /// (JSON Schema 2020-12, formats checked). A response documented without content has an empty body.
    /// </summary>
    public static async Task AssertDocumented(JsonNode document, string method, string path, HttpResponseMessage response)
    {
        using (response)
        {
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var body = await response.Content.ReadAsStringAsync();
            var what = $"{method} {path} answered {status}";
            var documented = document["paths"]![path]![method.ToLowerInvariant()]!["responses"]![status];
            Assert.True(documented is not null, $"{what}, which the document does not name: {body}");

            if (documented["content"] is not JsonObject content)
            {
                Assert.True(body.Length == 0, $"{what} with a body the document does not describe: {body}");
                return;
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType ?? string.Empty;
            var schema = content[mediaType]?["schema"];
            Assert.True(schema is not null, $"{what} as {mediaType}; the document names {string.Join(", ", content.Select(c => c.Key))}");
            if (!mediaType.EndsWith("json", StringComparison.Ordinal))
            {
                return;
            }

            // The operation's schema with the document's schemas beside it, as one JSON Schema.
            var root = new JsonObject { ["$defs"] = document["components"]!["schemas"]!.DeepClone() };
            foreach (var (key, value) in schema.AsObject())
            {
                root[key] = value!.DeepClone();
            }

            var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            using var json = JsonDocument.Parse(body);
            var errors = EventEnvelopeSchema.Errors(json.RootElement, EventEnvelopeSchema.Parse(text));
            Assert.True(errors.Count == 0, $"{what} with a body that does not match {schema.ToJsonString()}:\n{string.Join("\n", errors)}\n{body}");
        }
    }
}

/// <summary>
/// The webhooks admin API (and a webhook's durable sink) on a server with webhooks enabled: its real answers match the
/// schemas the document gives for them.
/// </summary>
public sealed class OpenApiWebhookTests(Webhooks.WebhooksServerFixture fixture) : HostTests<Webhooks.WebhooksServerFixture>(fixture)
{
    [Fact]
    public async Task The_webhook_answers_must_match_the_schemas_the_document_gives_for_them()
    {
        var document = JsonNode.Parse(await Host.Client.GetStringAsync("/openapi/v1.json"))!;
        var admin = await Host.AdminToken();
        const string path = "/admin/api/webhooks";

        // Disabled: nothing is delivered to the address, which is never reached.
        var created = await Host.Send(HttpMethod.Post, path, admin, JsonContent.Create(new { url = "https://hooks.example.com/openapi", event_types = new[] { "token_created" }, enabled = false, description = "openapi" }));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await AssertDocumented(document, "POST", path, created);
        await AssertDocumented(document, "POST", path, await Host.Send(HttpMethod.Post, path, admin, JsonContent.Create(new { url = "ftp://hooks.example.com" })));
        await AssertDocumented(document, "GET", path, await Host.Send(HttpMethod.Get, path, admin));
        await AssertDocumented(document, "GET", path + "/{id}", await Host.Send(HttpMethod.Get, $"{path}/{id}", admin));
        await AssertDocumented(document, "GET", path + "/{id}", await Host.Send(HttpMethod.Get, $"{path}/wh_0000000000000000", admin));
        await AssertDocumented(document, "PUT", path + "/{id}", await Host.Send(HttpMethod.Put, $"{path}/{id}", admin, JsonContent.Create(new { description = "changed" })));
        await AssertDocumented(document, "POST", path + "/{id}/rotate-secret", await Host.Send(HttpMethod.Post, $"{path}/{id}/rotate-secret", admin));
        await AssertDocumented(document, "GET", path + "/{id}/attempts", await Host.Send(HttpMethod.Get, $"{path}/{id}/attempts?limit=5", admin));
        await AssertDocumented(document, "GET", path + "/{id}/attempts", await Host.Send(HttpMethod.Get, $"{path}/{id}/attempts?page=2", admin));
        await AssertDocumented(document, "POST", path + "/{id}/redeliver", await Host.Send(HttpMethod.Post, $"{path}/{id}/redeliver", admin, JsonContent.Create(new { event_id = "no-such-event" })));

        // Its durable sink, through the sinks API.
        var sink = Uri.EscapeDataString("webhook:" + id);
        await AssertDocumented(document, "GET", "/admin/api/sinks/{name}", await Host.Send(HttpMethod.Get, $"/admin/api/sinks/{sink}", admin));
        await AssertDocumented(document, "POST", "/admin/api/sinks/{name}/pause", await Host.Send(HttpMethod.Post, $"/admin/api/sinks/{sink}/pause", admin));
        await AssertDocumented(document, "POST", "/admin/api/sinks/{name}/replay", await Host.Send(HttpMethod.Post, $"/admin/api/sinks/{sink}/replay", admin, JsonContent.Create(new { from = 0, to = 1 })));
        await AssertDocumented(document, "GET", "/admin/api/sinks/{name}", await Host.Send(HttpMethod.Get, "/admin/api/sinks/no-such-sink", admin));

        await AssertDocumented(document, "DELETE", path + "/{id}", await Host.Send(HttpMethod.Delete, $"{path}/{id}", admin));
    }

    private static Task AssertDocumented(JsonNode document, string method, string path, HttpResponseMessage response) =>
        OpenApiDocumentAssert.AssertDocumented(document, method, path, response);
}

/// <summary>
/// Redocly CLI (tests/openapi, <c>npm ci</c> there; .ci/services/openapi-lint.sh in CI) linting a document with
/// tests/openapi/redocly.yaml. <see cref="Require"/> skips without node or the package, except under CI=true, where
/// that is a failure.
/// </summary>
public static class OpenApiLint
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public static void Require()
    {
        if (Missing.Value is not { } problem)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("CI=true but the OpenAPI lint cannot run: " + problem);
        }

        Skip.If(true, "OpenAPI lint skipped: " + problem);
    }

    /// <summary>Runs <c>redocly lint FILE --format=json</c>; its report, parsed.</summary>
    public static async Task<(int ExitCode, JsonNode Report, string Stderr)> Run(string file)
    {
        var start = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = Folder.Value };
        foreach (var arg in new[] { Cli, "lint", file, "--config", Path.Combine(Folder.Value, "redocly.yaml"), "--format=json" })
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing leaves the machine: no usage telemetry, no update check.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        var (exitCode, stdout, stderr) = await ChildProcess.Run(start, Deadline);
        JsonNode? report;
        try
        {
            report = JsonNode.Parse(stdout);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"redocly lint (exit {exitCode}) printed no JSON report: {e.Message}\nstdout: {stdout}\nstderr: {stderr}", e);
        }

        return (exitCode, report ?? throw new InvalidOperationException($"redocly lint printed null. stderr: {stderr}"), stderr);
    }

    private static string Cli => Path.Combine(Folder.Value, "node_modules", "@redocly", "cli", "bin", "cli.js");

    private static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OAuth2.Actors.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "openapi");
            }
        }

        throw new InvalidOperationException($"OAuth2.Actors.sln not found above {AppContext.BaseDirectory}.");
    });

    private static readonly Lazy<string?> Missing = new(() =>
    {
        var problems = new List<string>();
        if (!File.Exists(Cli))
        {
            problems.Add("tests/openapi/node_modules is missing (run `npm ci` in tests/openapi)");
        }

        if (!(Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => File.Exists(Path.Combine(dir, "node"))))
        {
            problems.Add("node is not on PATH");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems) + ". `bash .ci/services/openapi-lint.sh start` installs them.";
    });
}
