using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace OAuth2.Actors.Server.Tests;

/// <summary>One random request: method, path, query, body and headers; placeholders stand for the fixture's real values.</summary>
public sealed record FuzzRequest(
    string Method,
    string Path,
    IReadOnlyList<(string Key, string Value)> Query,
    string? Body,
    string? ContentType,
    IReadOnlyList<string> Authorization,
    bool SignedIn)
{
    public HttpRequestMessage ToMessage(Func<string, string> substitute)
    {
        var query = Query.Count == 0 ? string.Empty : "?" + FuzzCases.Encode(Query, substitute, raw: false);
        var request = new HttpRequestMessage(new HttpMethod(Method), Path + query);
        if (Body is not null)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(substitute(Body)));
            if (ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }

            request.Content = content;
        }

        foreach (var header in Authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", FuzzCases.Header(header, substitute));
        }

        return request;
    }

    /// <summary>Short enough for a failure message: huge values are shown by their length.</summary>
    public override string ToString()
    {
        static string Cut(string? s) => s is null ? "null" : s.Length > 200 ? $"<{s.Length} chars: {s[..80]}...>" : s;
        return $"{Method} {Path} query=[{string.Join("&", Query.Select(q => Cut(q.Key) + "=" + Cut(q.Value)))}] " +
            $"content-type={ContentType ?? "none"} authorization=[{string.Join(" | ", Authorization.Select(Cut))}] signed-in={SignedIn} body={Cut(Body)}";
    }
}

// One wrapper type per endpoint, so that FsCheck picks the endpoint's generator by the property's parameter type.
public sealed record TokenCase(FuzzRequest Request)
{
    public override string ToString() => Request.ToString();
}

public sealed record IntrospectionCase(FuzzRequest Request)
{
    public override string ToString() => Request.ToString();
}

public sealed record RevocationCase(FuzzRequest Request)
{
    public override string ToString() => Request.ToString();
}

public sealed record RegistrationCase(FuzzRequest Request)
{
    public override string ToString() => Request.ToString();
}

public sealed record AuthorizeCase(FuzzRequest Request)
{
    public override string ToString() => Request.ToString();
}

/// <summary>The generators of <see cref="FuzzTests"/>.</summary>
public static class FuzzCases
{
    // Placeholders for the fixture's real values (substituted when the request is sent).
    public const string ClientId = "{client_id}";
    public const string ClientSecret = "{client_secret}";
    public const string CodeClientId = "{code_client_id}";
    public const string RedirectUri = "{redirect_uri}";
    public const string AdminToken = "{admin_token}";
    public const string AccessToken = "{access_token}";
    public const string RefreshToken = "{refresh_token}";
    public const string Username = "{username}";
    public const string Password = "{password}";

    /// <summary>Marks a Basic header whose parts are encoded when it is sent (see <see cref="Header"/>).</summary>
    private const string BasicOf = "basic-of:";

    // Before the templates that use it (static fields are initialized in the order of the text).
    private static readonly IReadOnlyList<string> Confidential = [Basic(ClientId, ClientSecret)];

    private static readonly string[] TokenKeys =
        ["grant_type", "code", "redirect_uri", "client_id", "client_secret", "code_verifier", "refresh_token", "scope", "username", "password", "resource", "assertion"];

    private static readonly string[] TokenCheckKeys = ["token", "token_type_hint", "client_id", "client_secret", "resource"];

    private static readonly string[] AuthorizeKeys =
        ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "nonce", "prompt", "resource", "response_mode", "decision", "__RequestVerificationToken", "csrf"];

    private static readonly string[] RegistrationKeys =
        ["redirect_uris", "grant_types", "response_types", "token_endpoint_auth_method", "scope", "client_name", "client_id", "client_secret", "jwks", "software_statement", "contacts"];

    private static readonly string[] JunkKeys = ["", "x", " ", "grant_type[]", "GRANT_TYPE", "client_id ", "\u0000", "%00", "ü", "a=b", "&", new('k', 300)];

    private static readonly string[] KnownValues =
    [
        "authorization_code", "client_credentials", "refresh_token", "password", "urn:ietf:params:oauth:grant-type:jwt-bearer", "implicit",
        "code", "token", "id_token", "code token", "S256", "plain", "s256",
        "read", "write", "read write", "admin", "events:read events:ingest", "openid profile", "read  write", " read",
        "access_token", "client_secret_basic", "client_secret_post", "none", "private_key_jwt",
        "allow", "deny", "https://client.example/cb", "http://localhost/cb", "https://evil.example", "javascript:alert(1)", "urn:x",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ClientId, ClientSecret, CodeClientId, RedirectUri, AdminToken, AccessToken, RefreshToken, Username, Password,
        "0123456789abcdef.0123456789abcdef0123456789abcdef01", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    ];

    private static readonly string[] OddValues =
    [
        "", " ", "\u0000", "\r\n", "\t", "\u0001\u007f", "\u202e", "ünïcødé", "😀", "\ud800", "\udfff", "\uffff", "𝔘𝔫𝔦",
        "%", "%zz", "%00", "%E0%A4%A", "+", "&&", "==", "\"", "'", "<script>alert(1)</script>", "../../etc/passwd", "null", "[]", "{}",
        "-1", "99999999999999999999", "1e309", "NaN", "true",
    ];

    private static readonly string[] Methods = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

    private static readonly string?[] FormContentTypes =
    [
        "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "application/x-www-form-urlencoded; charset=iso-8859-1",
        "application/x-www-form-urlencoded; charset=utf-99", "APPLICATION/X-WWW-FORM-URLENCODED", "multipart/form-data; boundary=xyz", "multipart/form-data",
        "application/json", "text/plain", "garbage/////", ";;;", "", null,
    ];

    private static readonly string?[] JsonContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "application/json; charset=nope", "text/json",
        "application/x-www-form-urlencoded", "text/plain", "application/jose", "garbage/////", "", null,
    ];

    public static Arbitrary<TokenCase> Token() =>
        Arb.From(OAuthForm("/oauth/token", TokenKeys, TokenTemplates).Select(r => new TokenCase(r)));

    public static Arbitrary<IntrospectionCase> Introspection() =>
        Arb.From(OAuthForm("/oauth/introspect", TokenCheckKeys, TokenCheckTemplates).Select(r => new IntrospectionCase(r)));

    public static Arbitrary<RevocationCase> Revocation() =>
        Arb.From(OAuthForm("/oauth/revoke", TokenCheckKeys, TokenCheckTemplates).Select(r => new RevocationCase(r)));

    public static Arbitrary<RegistrationCase> Registration() =>
        Arb.From(
            from method in PostMostly()
            from body in Gen.Frequency(
                (4, Mutated(RegistrationTemplate, RegistrationKeys).SelectMany(JsonMetadata)),
                (3, Form(RegistrationKeys).SelectMany(JsonMetadata)),
                (1, RawBody()),
                (1, Form(RegistrationKeys).Select(f => (string?)Encode(f, s => s, raw: false))))
            from contentType in Gen.Frequency((5, Gen.Constant<string?>("application/json")), (1, Gen.Elements(JsonContentTypes)))
            from authorization in BearerOrNone()
            select new RegistrationCase(new FuzzRequest(method, "/clients/register", [], body, contentType, authorization, false)));

    public static Arbitrary<AuthorizeCase> Authorize() =>
        Arb.From(
            from method in Gen.Frequency((6, Gen.Constant("GET")), (3, Gen.Constant("POST")), (1, Gen.Elements(Methods)))
            from pairs in Gen.Frequency((3, Mutated(AuthorizeTemplate, AuthorizeKeys)), (1, Form(AuthorizeKeys)))
            from inBody in Gen.Elements(false, true)
            from contentType in Gen.Frequency((4, Gen.Constant<string?>("application/x-www-form-urlencoded")), (1, Gen.Elements(FormContentTypes)))
            from signedIn in Gen.Frequency((2, Gen.Constant(true)), (1, Gen.Constant(false)))
            select new AuthorizeCase(method == "POST" && inBody
                ? new FuzzRequest(method, "/oauth/authorize", [], Encode(pairs, s => s, raw: false), contentType, [], signedIn)
                : new FuzzRequest(method, "/oauth/authorize", pairs, null, null, [], signedIn)));

    // Requests that would succeed, or nearly: mutated a little, they reach the grant handlers and the deeper checks.
    private static readonly Template[] TokenTemplates =
    [
        new([("grant_type", "client_credentials"), ("scope", "read")], Confidential),
        new([("grant_type", "client_credentials"), ("client_id", ClientId), ("client_secret", ClientSecret)], []),
        new([("grant_type", "refresh_token"), ("refresh_token", RefreshToken), ("client_id", CodeClientId)], []),
        new([("grant_type", "refresh_token"), ("refresh_token", RefreshToken), ("scope", "read"), ("client_id", CodeClientId)], []),
        new([("grant_type", "password"), ("username", Username), ("password", Password), ("scope", "read")], Confidential),
        new([("grant_type", "authorization_code"), ("code", "some-code-0123456789"), ("redirect_uri", RedirectUri), ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), ("client_id", CodeClientId)], []),
        new([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", AccessToken)], Confidential),
    ];

    private static readonly Template[] TokenCheckTemplates =
    [
        new([("token", AccessToken)], Confidential),
        new([("token", AccessToken), ("token_type_hint", "access_token")], Confidential),
        new([("token", RefreshToken), ("token_type_hint", "refresh_token")], Confidential),
        new([("token", AdminToken), ("token_type_hint", "refresh_token")], Confidential),
        new([("token", AccessToken), ("client_id", ClientId), ("client_secret", ClientSecret)], []),
    ];

    private static readonly (string Key, string Value)[] AuthorizeTemplate =
    [
        ("response_type", "code"), ("client_id", CodeClientId), ("redirect_uri", RedirectUri), ("scope", "read"), ("state", "xyz"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "S256"),
    ];

    private static readonly (string Key, string Value)[] RegistrationTemplate =
    [
        ("redirect_uris", "https://client.example/cb"), ("grant_types", "authorization_code"), ("response_types", "code"),
        ("token_endpoint_auth_method", "none"), ("scope", "read"), ("client_name", "fuzz"),
    ];

    /// <summary>The template with up to three mutations: a value replaced, a pair dropped or repeated, a pair added.</summary>
    private static Gen<IReadOnlyList<(string Key, string Value)>> Mutated(IReadOnlyList<(string Key, string Value)> template, string[] keys) =>
        Gen.Choose(0, 3).SelectMany(count =>
        {
            var mutated = Gen.Constant(template);
            for (var i = 0; i < count; i++)
            {
                mutated = mutated.SelectMany(pairs => Mutation(pairs, keys));
            }

            return mutated;
        });

    private static Gen<IReadOnlyList<(string Key, string Value)>> Mutation(IReadOnlyList<(string Key, string Value)> pairs, string[] keys) =>
        pairs.Count == 0
            ? Pair(keys).Select(p => (IReadOnlyList<(string Key, string Value)>)[p])
            : from at in Gen.Choose(0, pairs.Count - 1)
              from kind in Gen.Choose(0, 4)
              from value in Value()
              from added in Pair(keys)
              select (IReadOnlyList<(string Key, string Value)>)(kind switch
              {
                  0 or 1 => pairs.Select((p, i) => i == at ? (p.Key, value) : p).ToArray(),
                  2 => pairs.Where((_, i) => i != at).ToArray(),
                  3 => [.. pairs, pairs[at]],
                  _ => [.. pairs, added],
              });

    /// <summary>The form body as a browser encodes it, or raw (unescaped: '%', '&amp;' and '=' in values reach the parser as they are).</summary>
    public static string Encode(IEnumerable<(string Key, string Value)> pairs, Func<string, string> substitute, bool raw) =>
        string.Join("&", pairs.Select(p => raw ? substitute(p.Key) + "=" + substitute(p.Value) : Escape(substitute(p.Key)) + "=" + Escape(substitute(p.Value))));

    private static string Escape(string value)
    {
        try
        {
            return Uri.EscapeDataString(value);
        }
        catch (UriFormatException)
        {
            // A lone surrogate cannot be escaped; send its UTF-8 replacement as a browser would.
            return Uri.EscapeDataString(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)));
        }
    }

    private static Gen<FuzzRequest> OAuthForm(string path, string[] keys, Template[] templates) =>
        from method in PostMostly()
        from template in Gen.Frequency((2, Gen.Elements(templates).Select(t => (Template?)t)), (1, Gen.Constant<Template?>(null)))
        from pairs in template is null ? Form(keys) : Mutated(template.Pairs, keys)
        from raw in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        from contentType in Gen.Frequency((6, Gen.Constant<string?>("application/x-www-form-urlencoded")), (1, Gen.Elements(FormContentTypes)))
        from inQuery in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        from auth in template is null ? BasicOrNone() : Gen.Frequency((4, Gen.Constant(template.Authorization)), (1, BasicOrNone()))
        select inQuery
            ? new FuzzRequest(method, path, pairs, string.Empty, contentType, auth, false)
            : new FuzzRequest(method, path, [], Encode(pairs, s => s, raw), contentType, auth, false);

    /// <summary>A request that would succeed, or nearly, and the Authorization header it goes with.</summary>
    private sealed record Template((string Key, string Value)[] Pairs, IReadOnlyList<string> Authorization);

    private static Gen<string> PostMostly() => Gen.Frequency((9, Gen.Constant("POST")), (1, Gen.Elements(Methods)));

    /// <summary>Up to a dozen pairs: known keys (so duplicates happen) and junk keys, with any kind of value.</summary>
    private static Gen<IReadOnlyList<(string Key, string Value)>> Form(string[] keys) =>
        from count in Gen.Choose(0, 12)
        from pairs in Gen.ListOf(Pair(keys), count)
        select (IReadOnlyList<(string Key, string Value)>)pairs.ToArray();

    private static Gen<(string Key, string Value)> Pair(string[] keys) =>
        from key in Gen.Frequency((8, Gen.Elements(keys)), (1, Gen.Elements(JunkKeys)), (1, Text()))
        from value in Value()
        select (key, value);

    private static Gen<string> Value() => Gen.Frequency(
        (6, Gen.Elements(KnownValues)),
        (3, Gen.Elements(OddValues)),
        (2, Text()),
        (1, Gen.Frequency((6, Gen.Constant(4_000)), (1, Gen.Constant(70_000))).Select(n => new string('a', n))),
        (1, Gen.Elements(KnownValues).SelectMany(a => Gen.Elements(OddValues).Select(b => a + b))));

    /// <summary>Random text over a mix of ASCII, controls, unicode and surrogates.</summary>
    private static Gen<string> Text() =>
        from length in Gen.Choose(0, 40)
        from chars in Gen.ArrayOf(Gen.Frequency(
            (6, Gen.Choose(0x20, 0x7e).Select(c => (char)c)),
            (1, Gen.Choose(0, 0x1f).Select(c => (char)c)),
            (1, Gen.Choose(0x80, 0xd7ff).Select(c => (char)c)),
            (1, Gen.Choose(0xd800, 0xdfff).Select(c => (char)c))), length)
        select new string(chars);

    private static Gen<IReadOnlyList<string>> BasicOrNone() => Gen.Frequency(
        (3, Gen.Constant<IReadOnlyList<string>>([])),
        (3, Gen.Constant<IReadOnlyList<string>>([Basic(ClientId, ClientSecret)])),
        (1, Gen.Constant<IReadOnlyList<string>>([Basic(CodeClientId, string.Empty)])),
        (2, Credentials().Select(c => (IReadOnlyList<string>)[c])),
        (1, Gen.Two(Credentials()).Select(c => (IReadOnlyList<string>)[c.Item1, c.Item2])));

    private static Gen<IReadOnlyList<string>> BearerOrNone() => Gen.Frequency(
        (3, Gen.Constant<IReadOnlyList<string>>([])),
        (2, Gen.Constant<IReadOnlyList<string>>(["Bearer " + AdminToken])),
        (1, Gen.Constant<IReadOnlyList<string>>(["Bearer " + AccessToken])),
        (2, Credentials().Select(c => (IReadOnlyList<string>)[c])));

    private static Gen<string> Credentials() => Gen.OneOf(
        Gen.Elements("Basic", "Basic ", "Basic !!!", "Basic =", "Bearer", "Bearer ", "Bearer a b", "Negotiate abc", "Bearer " + AdminToken + "x"),
        Value().Select(v => "Basic " + Base64(v)),
        Gen.Two(Value()).Select(v => Basic(v.Item1, v.Item2)),
        Value().Select(v => "Bearer " + v),
        Text());

    /// <summary>
    /// An Authorization header with the placeholders replaced. A Basic header is generated with its client id and secret
    /// in the clear (behind <see cref="BasicOf"/>) and encoded here, after the replacement, as RFC 6749 2.3.1 says:
    /// each part form-encoded, then Base64.
    /// </summary>
    public static string Header(string header, Func<string, string> substitute)
    {
        if (!header.StartsWith(BasicOf, StringComparison.Ordinal))
        {
            return substitute(header);
        }

        var (id, secret) = header[BasicOf.Length..].Split('\n', 2) is [var i, var s] ? (i, s) : (header, string.Empty);
        return "Basic " + Base64(Escape(substitute(id)) + ":" + Escape(substitute(secret)));
    }

    private static string Basic(string id, string secret) => BasicOf + id + "\n" + secret;

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    /// <summary>A JSON object of the pairs' keys: each value as a string, an array holding it, or some other JSON.</summary>
    private static Gen<string?> JsonMetadata(IReadOnlyList<(string Key, string Value)> pairs) =>
        from values in Gen.CollectToArray(pairs.Select(p => Gen.Frequency(
            (4, Gen.Constant<JsonNode?>(p.Key.EndsWith('s') ? new JsonArray(JsonValue.Create(p.Value)) : JsonValue.Create(p.Value))),
            (1, Json(depth: 0)))))
        select (string?)Object(pairs.Select((p, i) => (p.Key, (JsonNode?)values[i])));

    private static string Object(IEnumerable<(string Key, JsonNode? Value)> members)
    {
        var json = new JsonObject();
        foreach (var (key, value) in members)
        {
            json[key] = value?.DeepClone();
        }

        return json.ToJsonString();
    }

    private static Gen<JsonNode?> Json(int depth) => Gen.Frequency(
        (5, Value().Select(v => (JsonNode?)JsonValue.Create(v))),
        (3, Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(Value(), n)).Select(v => (JsonNode?)new JsonArray(v.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()))),
        (1, Gen.Elements<JsonNode?>(null, JsonValue.Create(true), JsonValue.Create(-1), JsonValue.Create(1e300), JsonValue.Create(long.MaxValue))),
        (1, depth > 1
            ? Gen.Constant<JsonNode?>(new JsonObject())
            : Gen.Choose(0, 3).SelectMany(n => Gen.ListOf(Json(depth + 1), n)).Select(v => (JsonNode?)new JsonArray(v.Select(x => x?.DeepClone()).ToArray()))));

    private static Gen<string?> RawBody() => Gen.OneOf(
        Gen.Elements<string?>(
            null, "", "{", "}", "[]", "null", "\"str\"", "1", "{\"scope\":", "{\"redirect_uris\":\"https://x\"}", "{\"a\":1,\"a\":2}",
            "{\"client_name\":\"\\ud800\"}", "\u0000", "\ufeff{}", "{\"scope\":\"read\"}garbage", new string('[', 10_000), "{\"x\":" + new string('1', 100_000) + "}"),
        Text().Select(t => (string?)t));
}
