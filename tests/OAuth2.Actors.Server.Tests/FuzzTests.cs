using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// Property-based fuzzing of the token, authorize, introspection, revocation and registration endpoints through the real
/// host: random forms and query strings (known parameters, junk keys, duplicates; values empty, huge, unicode, control
/// characters, malformed escapes), random content types, methods and Authorization headers. Whatever arrives, the server
/// never answers 5xx; an OAuth endpoint that refuses answers an RFC 6749 error object, and the authorize endpoint a page
/// or a redirect. The generators live in <see cref="FuzzCases"/>; FsCheck prints the seed of a failing run to replay it.
/// </summary>
public sealed partial class FuzzTests(FuzzTests.FuzzFixture fixture) : HostTests<FuzzTests.FuzzFixture>(fixture), IDisposable
{
    /// <summary>A few hundred cases per endpoint: the whole class runs in well under a minute.</summary>
    private const int Cases = 300;

    private readonly FuzzFixture _fixture = fixture;
    private TestBrowser? _browser;

    public override async Task InitializeAsync()
    {
        await _fixture.Prepare();
        _browser = await Host.SignedInBrowser();
    }

    public void Dispose() => _browser?.Dispose();

    [Property(MaxTest = Cases, Arbitrary = [typeof(FuzzCases)], QuietOnSuccess = true)]
    public async Task Token_endpoint_must_never_fail_and_must_refuse_with_an_oauth_error(TokenCase request) =>
        await SendAndCheck(request.Request, OAuthEndpoint);

    [Property(MaxTest = Cases, Arbitrary = [typeof(FuzzCases)], QuietOnSuccess = true)]
    public async Task Introspection_endpoint_must_never_fail_and_must_refuse_with_an_oauth_error(IntrospectionCase request) =>
        await SendAndCheck(request.Request, OAuthEndpoint);

    [Property(MaxTest = Cases, Arbitrary = [typeof(FuzzCases)], QuietOnSuccess = true)]
    public async Task Revocation_endpoint_must_never_fail_and_must_refuse_with_an_oauth_error(RevocationCase request) =>
        await SendAndCheck(request.Request, OAuthEndpoint);

    [Property(MaxTest = Cases, Arbitrary = [typeof(FuzzCases)], QuietOnSuccess = true)]
    public async Task Registration_endpoint_must_never_fail_and_must_refuse_with_an_oauth_error(RegistrationCase request) =>
        await SendAndCheck(request.Request, OAuthEndpoint);

    [Property(MaxTest = Cases, Arbitrary = [typeof(FuzzCases)], QuietOnSuccess = true)]
    public async Task Authorize_endpoint_must_never_fail_and_must_answer_a_page_or_a_redirect(AuthorizeCase request) =>
        await SendAndCheck(request.Request, AuthorizeEndpoint);

    private async Task SendAndCheck(FuzzRequest fuzz, Action<FuzzRequest, HttpResponseMessage, string> check)
    {
        using var request = fuzz.ToMessage(_fixture.Substitute);
        var http = fuzz.SignedIn ? _browser!.Http : Host.Client;
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {fuzz}: {body}\nHost log:\n{Host.HostLog(20)}");
        check(fuzz, response, body);
    }

    /// <summary>Not 2xx: a JSON object with an RFC 6749 error code (a wrong method gets ProblemDetails from routing).</summary>
    private static void OAuthEndpoint(FuzzRequest fuzz, HttpResponseMessage response, string body)
    {
        if (response.IsSuccessStatusCode || fuzz.Method == HttpMethod.Head.Method)
        {
            return;
        }

        if (fuzz.Method != HttpMethod.Post.Method)
        {
            Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{(int)response.StatusCode} for {fuzz}: {body}");
            return;
        }

        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{(int)response.StatusCode} {response.Content.Headers.ContentType} for {fuzz}: {body}");
        using var json = JsonDocument.Parse(body);
        Assert.True(
            json.RootElement.ValueKind == JsonValueKind.Object
            && json.RootElement.TryGetProperty("error", out var error)
            && error.ValueKind == JsonValueKind.String
            && ErrorCode().IsMatch(error.GetString()!),
            $"Not an RFC 6749 error object ({(int)response.StatusCode}) for {fuzz}: {body}");
        if (json.RootElement.TryGetProperty("error_description", out var description))
        {
            Assert.Equal(JsonValueKind.String, description.ValueKind);
        }
    }

    /// <summary>GET and POST: a page (2xx, 4xx) or a redirect with a Location; other methods are refused by routing.</summary>
    private static void AuthorizeEndpoint(FuzzRequest fuzz, HttpResponseMessage response, string body)
    {
        if (fuzz.Method != HttpMethod.Get.Method && fuzz.Method != HttpMethod.Post.Method)
        {
            return;
        }

        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            Assert.True(response.Headers.Location is not null, $"{status} without a Location for {fuzz}");
            return;
        }

        Assert.True(response.Content.Headers.ContentType?.MediaType == "text/html", $"{status} {response.Content.Headers.ContentType} for {fuzz}: {body}");
    }

    /// <summary>RFC 6749 5.2: error codes are printable ASCII without '"' and '\'.</summary>
    [GeneratedRegex("^[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+\\z")]
    private static partial Regex ErrorCode();

    /// <summary>
    /// The server, with a confidential client, a public code client, and tokens, named by the placeholders the
    /// generators use so that some requests get past client authentication.
    /// </summary>
    public sealed class FuzzFixture : TestHostFixture
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Dictionary<string, string>? _values;

        public FuzzFixture()
            : base(
                // Rate limits (where the build has them) would turn most cases into 429s: off, to reach the handlers.
                ("OAUTH2_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_MINUTE", "0"),
                ("OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE", "0"),
                ("OAUTH2_RATE_LIMIT_REGISTRATIONS_PER_MINUTE", "0"),
                // The password grant is off by default: on, so that its handler is fuzzed too.
                ("OAUTH2_ALLOW_PASSWORD_GRANT", "true"))
        {
        }

        public async Task Prepare()
        {
            await _gate.WaitAsync();
            try
            {
                if (_values is not null)
                {
                    return;
                }

                var service = await Host.Register(scope: "read write");
                var code = await Host.RegisterCodeClient();
                var user = await Host.CreateUser();
                using var tokens = await Host.TokensFor(code, user);
                _values = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [FuzzCases.ClientId] = service.ClientId,
                    [FuzzCases.ClientSecret] = service.ClientSecret!,
                    [FuzzCases.CodeClientId] = code.ClientId,
                    [FuzzCases.RedirectUri] = code.RedirectUri,
                    [FuzzCases.AdminToken] = await Host.AdminToken(),
                    [FuzzCases.AccessToken] = await Host.AccessToken(service),
                    [FuzzCases.RefreshToken] = tokens.RefreshToken!,
                    [FuzzCases.Username] = user.Username,
                    [FuzzCases.Password] = user.Password,
                };
            }
            finally
            {
                _gate.Release();
            }
        }

        public string Substitute(string value)
        {
            foreach (var (placeholder, actual) in _values!)
            {
                value = value.Replace(placeholder, actual, StringComparison.Ordinal);
            }

            return value;
        }
    }
}
