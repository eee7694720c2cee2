namespace OAuth2.Actors.Core.Tests;

public class ClientMetadataValidatorTests
{
    private const string DefaultScope = "read";

    private static (ValidatedClientMetadata? Metadata, OAuthError? Error) Validate(ClientMetadata metadata, bool privileged = false) =>
        ClientMetadataValidator.Validate(metadata, DefaultScope, privileged);

    private static ValidatedClientMetadata Valid(ClientMetadata metadata, bool privileged = false)
    {
        var (validated, error) = Validate(metadata, privileged);
        Assert.Null(error);
        Assert.NotNull(validated);
        return validated;
    }

    private static OAuthError Refused(ClientMetadata metadata, string expectedError, bool privileged = false)
    {
        var (validated, error) = Validate(metadata, privileged);
        Assert.Null(validated);
        Assert.NotNull(error);
        Assert.Equal(expectedError, error.Error);
        Assert.Equal(FailureKind.BadRequest, error.Kind);
        return error;
    }

    [Theory]
    [InlineData("https://app.example.com/callback")]
    [InlineData("https://app.example.com:8443/callback?state=kept")]
    [InlineData("http://127.0.0.1:8080/callback")]
    [InlineData("http://[::1]:8080/callback")]
    [InlineData("http://localhost/callback")]
    [InlineData("com.example.app:/oauth2redirect")]
    [InlineData("com.example.app://callback")]
    public void ClientMetadataValidator_must_accept_redirect_uri(string uri)
    {
        Assert.Null(ClientMetadataValidator.RedirectUriProblem(uri));
    }

    [Theory]
    [InlineData("http://app.example.com/callback")]
    [InlineData("http://127.0.0.1.example.com/callback")]
    [InlineData("http://localhost.example.com/callback")]
    [InlineData("https://app.example.com/callback#fragment")]
    [InlineData("https://app.example.com/callback#")]
    [InlineData("/callback")]
    [InlineData("callback")]
    [InlineData("//app.example.com/callback")]
    [InlineData("myapp:/callback")]
    [InlineData("javascript:alert(1)")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void ClientMetadataValidator_must_refuse_redirect_uri(string? uri)
    {
        Assert.NotNull(ClientMetadataValidator.RedirectUriProblem(uri));
    }

    [Fact]
    public void ClientMetadataValidator_must_refuse_a_bad_redirect_uri_with_invalid_redirect_uri()
    {
        var error = Refused(new ClientMetadata(RedirectUris: ["https://ok.example.com/cb", "http://plain.example.com/cb"], GrantTypes: [GrantTypes.ClientCredentials]),
            Errors.InvalidRedirectUri);
        Assert.Contains("http://plain.example.com/cb", error.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientMetadataValidator_must_refuse_more_than_twenty_redirect_uris()
    {
        var uris = Enumerable.Range(0, 21).Select(i => $"https://app.example.com/cb{i}").ToArray();
        Refused(new ClientMetadata(RedirectUris: uris, GrantTypes: [GrantTypes.ClientCredentials]), Errors.InvalidRedirectUri);
    }

    [Fact]
    public void ClientMetadataValidator_must_apply_the_defaults_to_empty_metadata()
    {
        var metadata = Valid(new ClientMetadata());

        Assert.Equal(ClientAuthMethods.ClientSecretBasic, metadata.TokenEndpointAuthMethod);
        Assert.Equal([GrantTypes.ClientCredentials], metadata.GrantTypes);
        Assert.Empty(metadata.ResponseTypes);
        Assert.Empty(metadata.RedirectUris);
        Assert.Equal(DefaultScope, metadata.Scope);
        Assert.Null(metadata.ClientName);
    }

    [Fact]
    public void ClientMetadataValidator_must_deduplicate_redirect_uris_grants_and_scopes()
    {
        var metadata = Valid(new ClientMetadata(
            RedirectUris: ["https://app.example.com/cb", "https://app.example.com/cb"],
            GrantTypes: [GrantTypes.ClientCredentials, GrantTypes.ClientCredentials],
            Scope: "read  write read"));

        Assert.Equal(["https://app.example.com/cb"], metadata.RedirectUris);
        Assert.Equal([GrantTypes.ClientCredentials], metadata.GrantTypes);
        Assert.Equal("read write", metadata.Scope);
    }

    [Fact]
    public void ClientMetadataValidator_must_trim_the_client_name_and_drop_a_blank_one()
    {
        Assert.Equal("Billing service", Valid(new ClientMetadata(ClientName: "  Billing service ")).ClientName);
        Assert.Null(Valid(new ClientMetadata(ClientName: "   ")).ClientName);
        Refused(new ClientMetadata(ClientName: new string('n', 201)), Errors.InvalidClientMetadata);
    }

    [Theory]
    [InlineData(ClientAuthMethods.ClientSecretBasic)]
    [InlineData(ClientAuthMethods.ClientSecretPost)]
    public void ClientMetadataValidator_must_accept_confidential_auth_method(string method)
    {
        Assert.Equal(method, Valid(new ClientMetadata(TokenEndpointAuthMethod: method)).TokenEndpointAuthMethod);
    }

    [Theory]
    [InlineData("private_key_jwt")]
    [InlineData("client_secret_jwt")]
    [InlineData("CLIENT_SECRET_BASIC")]
    public void ClientMetadataValidator_must_refuse_unsupported_auth_method(string method)
    {
        Refused(new ClientMetadata(TokenEndpointAuthMethod: method), Errors.InvalidClientMetadata);
    }

    [Fact]
    public void ClientMetadataValidator_must_refuse_a_public_client_with_the_client_credentials_grant()
    {
        var error = Refused(new ClientMetadata(TokenEndpointAuthMethod: ClientAuthMethods.None, GrantTypes: [GrantTypes.ClientCredentials]),
            Errors.InvalidClientMetadata);
        Assert.Contains("client_credentials", error.Description, StringComparison.Ordinal);

        // The default grant of a client without redirect URIs is client_credentials, so the same holds when none is named.
        Refused(new ClientMetadata(TokenEndpointAuthMethod: ClientAuthMethods.None), Errors.InvalidClientMetadata);
    }

    [Theory]
    [InlineData(GrantTypes.Password)]
    [InlineData("implicit")]
    [InlineData("urn:ietf:params:oauth:grant-type:device_code")]
    public void ClientMetadataValidator_must_refuse_grant_type_the_server_does_not_implement(string grant)
    {
        var error = Refused(new ClientMetadata(RedirectUris: ["https://app.example.com/cb"], GrantTypes: [grant]), Errors.InvalidClientMetadata);
        Assert.Contains(grant, error.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientMetadataValidator_must_accept_the_password_grant_only_when_the_server_allows_it()
    {
        var metadata = new ClientMetadata(GrantTypes: [GrantTypes.Password]);

        Assert.NotNull(ClientMetadataValidator.Validate(metadata, DefaultScope, privileged: false).Error);
        var (validated, error) = ClientMetadataValidator.Validate(metadata, DefaultScope, privileged: false, new HashSet<string>(GrantTypes.Supported) { GrantTypes.Password });
        Assert.Null(error);
        Assert.Equal([GrantTypes.Password], validated!.GrantTypes);
    }

    [Fact]
    public void ClientMetadataValidator_must_default_to_the_authorization_code_grant_and_code_response_when_redirect_uris_are_given()
    {
        // RFC 7591 2: grant_types defaults to authorization_code and response_types to code.
        var metadata = Valid(new ClientMetadata(RedirectUris: ["https://app.example.com/cb"]));

        Assert.Equal([GrantTypes.AuthorizationCode], metadata.GrantTypes);
        Assert.Equal([ResponseTypes.Code], metadata.ResponseTypes);
    }

    [Fact]
    public void ClientMetadataValidator_must_require_a_redirect_uri_for_the_authorization_code_grant()
    {
        Refused(new ClientMetadata(GrantTypes: [GrantTypes.AuthorizationCode]), Errors.InvalidRedirectUri);
    }

    [Fact]
    public void ClientMetadataValidator_must_refuse_the_code_response_type_without_the_authorization_code_grant()
    {
        var error = Refused(new ClientMetadata(
                RedirectUris: ["https://app.example.com/cb"], GrantTypes: [GrantTypes.ClientCredentials], ResponseTypes: [ResponseTypes.Code]),
            Errors.InvalidClientMetadata);
        Assert.Contains("together", error.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("id_token")]
    [InlineData("code token")]
    public void ClientMetadataValidator_must_refuse_response_type_other_than_code(string responseType)
    {
        Refused(new ClientMetadata(RedirectUris: ["https://app.example.com/cb"], GrantTypes: [GrantTypes.AuthorizationCode], ResponseTypes: [responseType]),
            Errors.InvalidClientMetadata);
    }

    [Fact]
    public void ClientMetadataValidator_must_refuse_the_refresh_token_grant_without_a_grant_that_issues_refresh_tokens()
    {
        Refused(new ClientMetadata(GrantTypes: [GrantTypes.RefreshToken]), Errors.InvalidClientMetadata);
        Refused(new ClientMetadata(GrantTypes: [GrantTypes.ClientCredentials, GrantTypes.RefreshToken]), Errors.InvalidClientMetadata);

        var metadata = Valid(new ClientMetadata(RedirectUris: ["https://app.example.com/cb"], GrantTypes: [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken]));
        Assert.Equal([GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], metadata.GrantTypes);
    }

    [Fact]
    public void ClientMetadataValidator_must_accept_a_public_client_with_the_authorization_code_grant()
    {
        var metadata = Valid(new ClientMetadata(RedirectUris: ["com.example.app:/cb"], TokenEndpointAuthMethod: ClientAuthMethods.None));

        Assert.Equal(ClientAuthMethods.None, metadata.TokenEndpointAuthMethod);
        Assert.Equal([GrantTypes.AuthorizationCode], metadata.GrantTypes);
    }

    [Fact]
    public void ClientMetadataValidator_must_accept_redirect_uris_on_a_client_credentials_client()
    {
        var metadata = Valid(new ClientMetadata(RedirectUris: ["https://app.example.com/cb"], GrantTypes: [GrantTypes.ClientCredentials]));
        Assert.Empty(metadata.ResponseTypes);
        Assert.Equal(["https://app.example.com/cb"], metadata.RedirectUris);
    }

    [Theory]
    [InlineData(Scopes.Admin)]
    [InlineData(Scopes.EventsRead)]
    [InlineData(Scopes.EventsIngest)]
    [InlineData("read admin")]
    public void ClientMetadataValidator_must_reserve_scope_for_privileged_registrations(string scope)
    {
        var error = Refused(new ClientMetadata(Scope: scope), Errors.InvalidClientMetadata);
        Assert.Contains("initial access token", error.Description, StringComparison.Ordinal);

        Assert.Equal(scope, Valid(new ClientMetadata(Scope: scope), privileged: true).Scope);
    }

    [Fact]
    public void ClientMetadataValidator_must_know_the_reserved_scopes()
    {
        Assert.Equal(new HashSet<string> { Scopes.Admin, Scopes.EventsRead, Scopes.EventsIngest, Scopes.MetricsRead }, ClientMetadataValidator.ReservedScopes);
    }

    [Theory]
    [InlineData("read \"write\"")]
    [InlineData("read\\write")]
    [InlineData("lecture-é")]
    [InlineData("read\twrite")]
    public void ClientMetadataValidator_must_refuse_scope_outside_the_rfc_6749_syntax(string scope)
    {
        Refused(new ClientMetadata(Scope: scope), Errors.InvalidClientMetadata);
    }

    [Fact]
    public void ClientMetadataValidator_must_use_the_server_default_scope_when_none_is_asked()
    {
        var (metadata, error) = ClientMetadataValidator.Validate(new ClientMetadata(Scope: "  "), "profile email", privileged: false);
        Assert.Null(error);
        Assert.Equal("profile email", metadata!.Scope);
    }
}
