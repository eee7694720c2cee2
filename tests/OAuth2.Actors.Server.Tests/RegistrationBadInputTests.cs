namespace OAuth2.Actors.Server.Tests;

/// <summary>Malformed JSON at /clients/register: invalid, wrongly typed, duplicated, deeply nested, invalid UTF-8.</summary>
public sealed class RegistrationBadInputTests(TestHostFixture fixture) : BadInputSuite(fixture)
{
    [Theory]
    // Not JSON, or not a JSON object.
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"scope\":")]
    [InlineData("not json")]
    [InlineData("{'scope':'read'}")]
    [InlineData("{\"scope\":\"read\",}")]
    [InlineData("{\"scope\":\"read\"} trailing")]
    [InlineData("{\"scope\":\"read\"}{\"scope\":\"read\"}")]
    [InlineData("[]")]
    [InlineData("[{\"scope\":\"read\"}]")]
    [InlineData("null")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("{\"scope\":\"\\uD800\"}")]
    // Wrongly typed members.
    [InlineData("{\"redirect_uris\":\"https://app.example.com/cb\"}")]
    [InlineData("{\"redirect_uris\":{\"a\":\"b\"}}")]
    [InlineData("{\"grant_types\":[1]}")]
    [InlineData("{\"grant_types\":\"client_credentials\"}")]
    [InlineData("{\"grant_types\":[[\"client_credentials\"]]}")]
    [InlineData("{\"response_types\":[true]}")]
    [InlineData("{\"scope\":5}")]
    [InlineData("{\"scope\":[\"read\"]}")]
    [InlineData("{\"client_name\":{}}")]
    [InlineData("{\"client_name\":1e999}")]
    [InlineData("{\"token_endpoint_auth_method\":true}")]
    // Duplicated members (also differing only in case).
    [InlineData("{\"scope\":\"read\",\"scope\":\"admin\"}")]
    [InlineData("{\"scope\":\"read\",\"Scope\":\"admin\"}")]
    [InlineData("{\"grant_types\":[\"client_credentials\"],\"grant_types\":[\"client_credentials\"]}")]
    [InlineData("{\"token_endpoint_auth_method\":\"none\",\"token_endpoint_auth_method\":\"client_secret_basic\"}")]
    public async Task Registration_must_refuse_invalid_wrongly_typed_or_duplicated_json_with_invalid_client_metadata(string json)
    {
        await AssertRefusedMetadata(RegistrationTests.Json(json));
    }

    [Fact]
    public async Task Registration_must_refuse_deeply_nested_json_with_invalid_client_metadata()
    {
        var json = "{\"software_statement\":" + new string('[', 200) + new string(']', 200) + "}";

        await AssertRefusedMetadata(RegistrationTests.Json(json));
    }

    [Fact]
    public async Task Registration_must_refuse_invalid_utf8_with_invalid_client_metadata()
    {
        var content = new ByteArrayContent([(byte)'{', (byte)'"', (byte)'s', (byte)'c', (byte)'o', (byte)'p', (byte)'e', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}']);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        await AssertRefusedMetadata(content);
    }

    private async Task AssertRefusedMetadata(HttpContent body)
    {
        using var response = await Http.PostAsync(TestHost.RegistrationPath, body);

        await OAuthAssert.Error(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }
}
