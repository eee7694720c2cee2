using System.Text;

namespace OAuth2.Actors.Protocol;

/// <summary>Why an authorization code was not redeemed.</summary>
public enum CodeRejection
{
    Unknown,
    Expired,
    Replayed,
    ClientMismatch,
    RedirectUriMismatch,
    PkceFailed,
}

/// <summary>Why a refresh token was not rotated.</summary>
public enum RefreshRejection
{
    Unknown,
    Expired,
    Revoked,
    ClientMismatch,
    AlreadyUsed,
    ReuseDetected,
    InvalidScope,
}

/// <summary>Why tokens were revoked; carried into the token_revoked events and the revocation records.</summary>
public enum RevocationReason
{
    RevokedByClient,
    RefreshTokenRevoked,
    RefreshTokenReuse,
    AuthorizationCodeReplay,
    UserDeleted,
    ClientDeleted,

    /// <summary>An admin disabled the client: its tokens stop working at once, and enabling it again does not bring them back.</summary>
    ClientDisabled,
}

/// <summary>Why client authentication failed; for events and logs only, the caller learns just that it failed.</summary>
public enum ClientAuthenticationFailure
{
    UnknownClient,
    PublicClientPresentedSecret,
    MissingSecret,
    WrongSecret,

    /// <summary>The client authenticated another way than its registered <c>token_endpoint_auth_method</c>.</summary>
    WrongAuthMethod,

    /// <summary>An admin disabled the client.</summary>
    Disabled,
}

/// <summary>Why a user could not be created or changed.</summary>
public enum UserRejection
{
    UserExists,
    UnknownUser,
}

public static class Reasons
{
    /// <summary>The words events and logs use for a failed client authentication (<c>metadata.reason</c> of client_validated).</summary>
    public static string Describe(this ClientAuthenticationFailure failure) => failure switch
    {
        ClientAuthenticationFailure.UnknownClient => "unknown client",
        ClientAuthenticationFailure.PublicClientPresentedSecret => "public client presented a secret",
        ClientAuthenticationFailure.MissingSecret => "missing client secret",
        ClientAuthenticationFailure.WrongAuthMethod => "authentication method other than the registered one",
        ClientAuthenticationFailure.Disabled => "client disabled",
        _ => "wrong client secret",
    };

    /// <summary>The snake_case spelling events, logs and the wire use: <c>RedirectUriMismatch</c> is <c>redirect_uri_mismatch</c>.</summary>
    public static string ToWire<TReason>(this TReason reason)
        where TReason : struct, Enum
    {
        var name = reason.ToString();
        var wire = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && wire.Length > 0)
            {
                wire.Append('_');
            }

            wire.Append(char.ToLowerInvariant(c));
        }

        return wire.ToString();
    }
}
