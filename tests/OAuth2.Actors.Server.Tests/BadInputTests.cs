namespace OAuth2.Actors.Server.Tests;

/// <summary>Malformed requests to the form endpoints and registration: content type, size limit, repeated and missing parameters, garbage bodies, and the charset of error descriptions.</summary>
public sealed class BadInputTests(TestHostFixture fixture) : BadInputSuite(fixture)
{
    // ---- content type ---------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task Form_endpoints_must_refuse_a_json_body_with_invalid_request(string path)
    {
        await AssertRefused(path, new StringContent("""{"grant_type":"client_credentials","token":"x"}""", Encoding.UTF8, "application/json"), "invalid_request");
    }

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task Form_endpoints_must_refuse_a_body_without_content_type_with_invalid_request(string path)
    {
        var content = new ByteArrayContent("grant_type=client_credentials&token=x"u8.ToArray());
        await AssertRefused(path, content, "invalid_request");
    }

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task Form_endpoints_must_refuse_text_plain_with_invalid_request(string path)
    {
        await AssertRefused(path, new StringContent("grant_type=client_credentials&token=x", Encoding.UTF8, "text/plain"), "invalid_request");
    }

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task Form_endpoints_must_refuse_an_empty_post_with_an_oauth_error(string path)
    {
        using var response = await Http.PostAsync(path, null);

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_endpoint_must_accept_a_form_content_type_with_parameters()
    {
        var content = new StringContent("grant_type=client_credentials", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("Application/X-WWW-Form-UrlEncoded; charset=utf-8");
        using var response = await SendAuthenticated(TestHost.TokenPath, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Registration_must_refuse_a_form_body_with_invalid_client_metadata()
    {
        using var response = await Http.PostAsync(TestHost.RegistrationPath, TestHost.Form(("grant_types", "client_credentials"), ("scope", "read")));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/jsonp")]
    [InlineData("application/xml")]
    public async Task Registration_must_refuse_a_non_json_content_type_with_invalid_client_metadata(string? contentType)
    {
        var content = new ByteArrayContent("""{"scope":"read"}"""u8.ToArray());
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await Http.PostAsync(TestHost.RegistrationPath, content);

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }

    // ---- size limit -----------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(AllPostEndpoints))]
    public async Task Every_endpoint_must_refuse_a_body_over_64_KiB_with_400(string path)
    {
        await AssertRefused(path, Oversized(path, BodyLimit + 1, knownLength: true), ErrorForBadFraming(path));
    }

    [Theory]
    [MemberData(nameof(AllPostEndpoints))]
    public async Task Every_endpoint_must_refuse_a_streamed_body_over_64_KiB_without_content_length(string path)
    {
        await AssertRefused(path, Oversized(path, 4 * BodyLimit, knownLength: false), ErrorForBadFraming(path));
    }

    [Fact]
    public async Task Token_endpoint_must_read_a_body_of_exactly_64_KiB()
    {
        var prefix = "grant_type=client_credentials&padding=";
        var body = prefix + new string('a', BodyLimit - prefix.Length);
        using var response = await SendAuthenticated(TestHost.TokenPath, new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // ---- repeated and missing parameters --------------------------------------------------------------------

    [Theory]
    [InlineData("grant_type=client_credentials&grant_type=client_credentials")]
    [InlineData("grant_type=client_credentials&grant_type=")]
    [InlineData("grant_type=client_credentials&scope=read&scope=read")]
    [InlineData("grant_type=client_credentials&client_id=a&client_id=a")]
    public async Task Token_endpoint_must_refuse_a_repeated_parameter_with_invalid_request(string body)
    {
        var error = await AssertRefused(TestHost.TokenPath, FormBody(body), "invalid_request");
        Assert.Contains("more than once", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/oauth/introspect", "token=a&token=b")]
    [InlineData("/oauth/introspect", "token=a&token_type_hint=access_token&token_type_hint=access_token")]
    [InlineData("/oauth/revoke", "token=a&token=b")]
    [InlineData("/oauth/revoke", "token=a&token_type_hint=x&token_type_hint=y")]
    public async Task Introspection_and_revocation_must_refuse_a_repeated_parameter_with_invalid_request(string path, string body)
    {
        await AssertRefused(path, FormBody(body), "invalid_request");
    }

    [Theory]
    [InlineData("")]
    [InlineData("scope=read")]
    [InlineData("grant_type=")]
    [InlineData("GRANT_TYPE=client_credentials")]
    public async Task Token_endpoint_must_refuse_a_missing_grant_type_with_invalid_request(string body)
    {
        await AssertRefused(TestHost.TokenPath, FormBody(body), "invalid_request");
    }

    [Theory]
    [InlineData("implicit")]
    [InlineData("urn:ietf:params:oauth:grant-type:device_code")]
    [InlineData("urn:ietf:params:oauth:grant-type:jwt-bearer")]
    [InlineData("client_credentials ")]
    [InlineData("CLIENT_CREDENTIALS")]
    [InlineData("%")]
    public async Task Token_endpoint_must_refuse_an_unknown_grant_type_with_unsupported_grant_type(string grantType)
    {
        await AssertRefused(TestHost.TokenPath, TestHost.Form(("grant_type", grantType)), "unsupported_grant_type");
    }

    [Fact]
    public async Task Token_endpoint_must_refuse_an_unknown_grant_type_even_without_client_authentication()
    {
        using var response = await Http.PostAsync(TestHost.TokenPath, TestHost.Form(("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", "x")));

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "unsupported_grant_type");
    }

    // ---- malformed bodies -----------------------------------------------------------------------------------

    public static TheoryData<string, byte[], int, string> GarbageForms => new()
    {
        { TestHost.TokenPath, "&&&===&&&"u8.ToArray(), 400, "invalid_request" },
        { TestHost.TokenPath, "%%%%%"u8.ToArray(), 400, "invalid_request" },
        { TestHost.TokenPath, "grant_type=client%ZZcredentials"u8.ToArray(), 400, "unsupported_grant_type" },
        { TestHost.TokenPath, [0xFF, 0xFE, 0x00, 0x3D, 0xC3, 0x28, 0x26, 0x80], 400, "invalid_request" },
        { TestHost.TokenPath, "{\"grant_type\":\"client_credentials\"}"u8.ToArray(), 400, "invalid_request" },
        { TestHost.TokenPath, "grant_type\0=client_credentials"u8.ToArray(), 400, "invalid_request" },
        { TestHost.IntrospectionPath, "&&&===&&&"u8.ToArray(), 401, "invalid_client" },
        { TestHost.IntrospectionPath, [0xFF, 0xFE, 0x00, 0x3D, 0xC3, 0x28], 401, "invalid_client" },
        { TestHost.IntrospectionPath, "token"u8.ToArray(), 401, "invalid_client" },
        { TestHost.RevocationPath, "&&&===&&&"u8.ToArray(), 401, "invalid_client" },
        { TestHost.RevocationPath, [0xFF, 0xFE, 0x00, 0x3D, 0xC3, 0x28], 401, "invalid_client" },
        { TestHost.RevocationPath, "=token"u8.ToArray(), 401, "invalid_client" },
    };

    [Theory]
    [MemberData(nameof(GarbageForms))]
    public async Task Form_endpoints_must_answer_a_garbage_body_with_an_oauth_error(string path, byte[] body, int status, string error)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        using var response = await Http.PostAsync(path, content);

        await OAuthAssert.Error(response, (HttpStatusCode)status, error);
    }

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task Form_endpoints_must_answer_a_garbage_body_from_an_authenticated_client_with_invalid_request(string path)
    {
        var content = new ByteArrayContent([0xFF, 0xFE, 0x00, 0x3D, 0xC3, 0x28, 0x26, 0x80]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        await AssertRefused(path, content, "invalid_request");
    }

    // ---- error_description charset (RFC 6749 5.2) ------------------------------------------------------------

    [Theory]
    [InlineData(TestHost.TokenPath, "grant_type=caf%C3%A9")]
    [InlineData(TestHost.TokenPath, "grant_type=a%22b%5Cc")]
    [InlineData(TestHost.TokenPath, "grant_type=line%0Abreak")]
    [InlineData(TestHost.TokenPath, "grant_type=client_credentials&%C3%A9=1&%C3%A9=2")]
    [InlineData(TestHost.IntrospectionPath, "token=x&%22=1&%22=2")]
    public async Task Form_endpoint_error_descriptions_must_stay_within_the_rfc_6749_charset(string path, string body)
    {
        using var response = await SendAuthenticated(path, FormBody(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        OAuthAssert.ErrorBody(await response.Content.ReadAsStringAsync(), strictDescription: true);
    }

    [Theory]
    [InlineData("{\"redirect_uris\":[\"https://ex\u00e4mple.com/cb#frag\"],\"grant_types\":[\"client_credentials\"]}")]
    [InlineData("{\"redirect_uris\":[\"http://app.example.com/\\\"quoted\\\"\"],\"grant_types\":[\"client_credentials\"]}")]
    [InlineData("{\"grant_types\":[\"gr\u00e4nt\"]}")]
    [InlineData("{\"token_endpoint_auth_method\":\"\\\"\"}")]
    [InlineData("{\"response_types\":[\"t\u00f6ken\"],\"grant_types\":[\"client_credentials\"]}")]
    [InlineData("{'scope':'read'}")]
    public async Task Registration_error_descriptions_must_stay_within_the_rfc_6749_charset(string json)
    {
        using var response = await Http.PostAsync(TestHost.RegistrationPath, RegistrationTests.Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        OAuthAssert.ErrorBody(await response.Content.ReadAsStringAsync(), strictDescription: true);
    }
}
