namespace OAuth2.Actors.Server.Tests;

/// <summary>Malformed client authentication at the form endpoints: broken Basic headers, other schemes, two credentials at once.</summary>
public sealed class BadClientAuthenticationTests(TestHostFixture fixture) : BadInputSuite(fixture)
{
    public static TheoryData<string, string> MalformedBasicHeaders
    {
        get
        {
            var data = new TheoryData<string, string>();
            var headers = new[]
            {
                "Basic !!!not-base64!!!",
                "Basic " + Convert.ToBase64String("no-colon-here"u8.ToArray()),
                "Basic " + Convert.ToBase64String(":secret-without-id"u8.ToArray()),
                "Basic " + Convert.ToBase64String("id-without-secret:"u8.ToArray()),
                "Basic " + Convert.ToBase64String([0xFF, 0xFE, 0x3A, 0x80]),
                "Basic a",
                "basic " + Convert.ToBase64String("no-such-client:secret"u8.ToArray()),
            };
            foreach (var path in new[] { TestHost.TokenPath, TestHost.IntrospectionPath, TestHost.RevocationPath })
            {
                foreach (var header in headers)
                {
                    data.Add(path, header);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(MalformedBasicHeaders))]
    public async Task Form_endpoints_must_answer_a_malformed_basic_header_with_401_invalid_client(string path, string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = FormBody("grant_type=client_credentials&token=x") };
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));

        using var response = await Http.SendAsync(request);

        await OAuthAssert.Unauthorized(response, "invalid_client", "Basic");
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("Digest username=\"x\"")]
    [InlineData("Basic")]
    public async Task Form_endpoints_must_answer_a_non_basic_authorization_without_client_id_with_401_invalid_client(string authorization)
    {
        foreach (var path in new[] { TestHost.TokenPath, TestHost.IntrospectionPath, TestHost.RevocationPath })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = FormBody("grant_type=client_credentials&token=x") };
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));

            using var response = await Http.SendAsync(request);

            await OAuthAssert.Error(response, HttpStatusCode.Unauthorized, "invalid_client");
        }
    }

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task Form_endpoints_must_refuse_basic_and_a_body_secret_together_with_invalid_request(string path)
    {
        using var response = await SendAuthenticated(path, TestHost.Form(("grant_type", "client_credentials"), ("token", "x"), ("client_secret", Client.ClientSecret!)));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task Form_endpoints_must_treat_two_authorization_headers_as_no_authentication(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = FormBody("grant_type=client_credentials&token=x") };
        var basic = ClientCredentialsTests.Basic(Client.ClientId, Client.ClientSecret).ToString();
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", [basic, basic]));

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        OAuthAssert.ErrorBody(await response.Content.ReadAsStringAsync());
    }
}
