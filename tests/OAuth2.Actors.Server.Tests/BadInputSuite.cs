namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// What the bad-input suites share: a registered client, the endpoints under test and bodies a client library will not
/// send. Every malformed request must answer an RFC 6749 error object with a 4xx status, never 500.
/// </summary>
public abstract class BadInputSuite(TestHostFixture fixture) : HostTests<TestHostFixture>(fixture)
{
    protected const int BodyLimit = 64 * 1024;

    protected RegisteredClient Client { get; private set; } = null!;

    protected HttpClient Http => Host.Client;

    public static TheoryData<string> FormEndpoints => new() { TestHost.TokenPath, TestHost.IntrospectionPath, TestHost.RevocationPath };

    public static TheoryData<string> AllPostEndpoints => new() { TestHost.TokenPath, TestHost.IntrospectionPath, TestHost.RevocationPath, TestHost.RegistrationPath };

    public override async Task InitializeAsync() => Client = await Host.Register(scope: "read");

    /// <summary>POSTs <paramref name="content"/> to <paramref name="path"/> as the registered client (HTTP Basic, except for registration).</summary>
    protected async Task<HttpResponseMessage> SendAuthenticated(string path, HttpContent content)
    {
        using var request = Authenticated(path, content);
        return await Http.SendAsync(request);
    }

    /// <summary>POSTs <paramref name="content"/> as <see cref="SendAuthenticated"/> does and asserts a 400 with <paramref name="error"/>; returns the error body.</summary>
    protected async Task<JsonElement> AssertRefused(string path, HttpContent content, string error)
    {
        using var response = await SendAuthenticated(path, content);
        return await OAuthAssert.Error(response, HttpStatusCode.BadRequest, error);
    }

    protected HttpRequestMessage Authenticated(string path, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (path != TestHost.RegistrationPath)
        {
            request.Headers.Authorization = ClientCredentialsTests.Basic(Client.ClientId, Client.ClientSecret);
        }

        return request;
    }

    protected static string ErrorForBadFraming(string path) =>
        path == TestHost.RegistrationPath ? "invalid_client_metadata" : "invalid_request";

    protected static StringContent FormBody(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    protected static HttpContent Oversized(string path, int size, bool knownLength)
    {
        byte[] body;
        string mediaType;
        if (path == TestHost.RegistrationPath)
        {
            var prefix = "{\"scope\":\"read\",\"client_name\":\"";
            body = Encoding.ASCII.GetBytes(prefix + new string('n', size - prefix.Length - 2) + "\"}");
            mediaType = "application/json";
        }
        else
        {
            var prefix = "grant_type=client_credentials&token=x&padding=";
            body = Encoding.ASCII.GetBytes(prefix + new string('a', size - prefix.Length));
            mediaType = "application/x-www-form-urlencoded";
        }

        HttpContent content = knownLength ? new ByteArrayContent(body) : new UnknownLengthContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>A body sent without Content-Length, in small chunks, so the server must enforce the limit while reading.</summary>
    private sealed class UnknownLengthContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < body.Length; offset += 4096)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(4096, body.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
