using System.Text;

namespace OAuth2.Actors.Core.Tests;

public class ClientCredentialsReaderTests
{

    private static string Basic(string raw) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(raw));

    private static PresentedClient Presented(string? authorization, OAuthParameters form)
    {
        var (client, error) = ClientCredentialsReader.Read(authorization, form);
        Assert.Null(error);
        Assert.NotNull(client);
        return client;
    }

    private static OAuthError Refused(string? authorization, OAuthParameters form)
    {
        var (client, error) = ClientCredentialsReader.Read(authorization, form);
        Assert.Null(client);
        Assert.NotNull(error);
        return error;
    }

    [Fact]
    public void ClientCredentialsReader_must_read_basic_credentials()
    {
        var client = Presented(Basic("billing:s3cret"), OAuthParameters.Empty);

        Assert.Equal("billing", client.ClientId);
        Assert.Equal("s3cret", client.Secret);
        Assert.Equal(ClientAuthMethods.ClientSecretBasic, client.Method);
    }

    [Theory]
    [InlineData("a%3Ab:p%3Ass", "a:b", "p:ss")]
    [InlineData("billing:pa%2Bss+word", "billing", "pa+ss word")]
    [InlineData("my+client:s%25cret%3A%3A", "my client", "s%cret::")]
    [InlineData("id:raw:colon", "id", "raw:colon")]
    [InlineData("%C3%A9t%C3%A9:%E2%82%AC", "été", "€")]
    public void ClientCredentialsReader_must_form_decode_basic_id_and_secret(string raw, string expectedId, string expectedSecret)
    {
        var client = Presented(Basic(raw), OAuthParameters.Empty);

        Assert.Equal(expectedId, client.ClientId);
        Assert.Equal(expectedSecret, client.Secret);
    }

    [Fact]
    public void ClientCredentialsReader_must_accept_the_basic_scheme_in_any_case()
    {
        var header = "basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("billing:s3cret"));
        Assert.Equal("billing", Presented(header, OAuthParameters.Empty).ClientId);
    }

    [Fact]
    public void ClientCredentialsReader_must_refuse_basic_and_a_body_secret_together()
    {
        var error = Refused(Basic("billing:s3cret"), OAuthParameters.Of((Parameters.ClientSecret, "s3cret")));
        Assert.Equal(Errors.InvalidRequest, error.Error);
        Assert.Equal(FailureKind.BadRequest, error.Kind);
    }

    [Fact]
    public void ClientCredentialsReader_must_accept_a_body_client_id_matching_basic_and_refuse_another()
    {
        Assert.Equal("billing", Presented(Basic("billing:s3cret"), OAuthParameters.Of((Parameters.ClientId, "billing"))).ClientId);

        var error = Refused(Basic("billing:s3cret"), OAuthParameters.Of((Parameters.ClientId, "shipping")));
        Assert.Equal(Errors.InvalidRequest, error.Error);
    }

    [Theory]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic ")]
    public void ClientCredentialsReader_must_refuse_undecodable_basic_with_a_challenge(string header)
    {
        var error = Refused(header, OAuthParameters.Empty);
        Assert.Equal(Errors.InvalidClient, error.Error);
        Assert.Equal(FailureKind.Unauthenticated, error.Kind);
        Assert.Equal(AuthChallenge.Basic, error.Challenge);
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":secret-without-id")]
    [InlineData("id-without-secret:")]
    public void ClientCredentialsReader_must_refuse_incomplete_basic_credentials(string raw)
    {
        var error = Refused(Basic(raw), OAuthParameters.Empty);
        Assert.Equal(Errors.InvalidClient, error.Error);
        Assert.Equal(AuthChallenge.Basic, error.Challenge);
    }

    [Fact]
    public void ClientCredentialsReader_must_read_client_secret_post()
    {
        var client = Presented(null, OAuthParameters.Of((Parameters.ClientId, "billing"), (Parameters.ClientSecret, "s3cret")));

        Assert.Equal("billing", client.ClientId);
        Assert.Equal("s3cret", client.Secret);
        Assert.Equal(ClientAuthMethods.ClientSecretPost, client.Method);
    }

    [Fact]
    public void ClientCredentialsReader_must_read_a_public_client_from_its_id_alone()
    {
        var client = Presented(null, OAuthParameters.Of((Parameters.ClientId, "spa"), (Parameters.ClientSecret, string.Empty)));

        Assert.Equal("spa", client.ClientId);
        Assert.Null(client.Secret);
        Assert.Equal(ClientAuthMethods.None, client.Method);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer some-token")]
    public void ClientCredentialsReader_must_refuse_a_request_without_credentials_and_without_challenge(string? authorization)
    {
        var error = Refused(authorization, OAuthParameters.Of((Parameters.GrantType, GrantTypes.ClientCredentials)));

        Assert.Equal(Errors.InvalidClient, error.Error);
        Assert.Equal(FailureKind.Unauthenticated, error.Kind);
        Assert.Null(error.Challenge);
    }

    [Fact]
    public void ClientCredentialsReader_must_refuse_a_body_secret_without_client_id()
    {
        var error = Refused(null, OAuthParameters.Of((Parameters.ClientSecret, "s3cret")));
        Assert.Equal(Errors.InvalidClient, error.Error);
    }

    [Theory]
    [InlineData("Bearer abc.def.ghi", "abc.def.ghi")]
    [InlineData("bearer   abc  ", "abc")]
    [InlineData("Bearer ", null)]
    [InlineData("Basic abc", null)]
    [InlineData(null, null)]
    public void ClientCredentialsReader_must_read_bearer_tokens(string? authorization, string? expected)
    {
        Assert.Equal(expected, ClientCredentialsReader.BearerToken(authorization));
    }
}
