using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace OAuth2.Actors.Grants;

/// <summary>
/// What an authorization code stands for (RFC 6749 4.1), bound to client, redirect URI and PKCE challenge, with the
/// RFC 8707 resources the authorization request named (null or empty: none).
/// </summary>
public sealed record CodeGrant(
    string GrantId,
    string ClientId,
    string UserId,
    string Username,
    string RedirectUri,
    bool RedirectUriGiven,
    string Scope,
    string? CodeChallenge,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string>? Resources = null);

/// <summary>Journaled: a code was issued for this grant.</summary>
public sealed record CodeIssued(CodeGrant Grant);

/// <summary>Journaled: the code was redeemed (any later presentation is a replay).</summary>
public sealed record CodeConsumed(DateTimeOffset At);

public interface ICodeCommand
{
    string CodeId { get; }
}

public static class Codes
{
    /// <summary>Entities are named by the code's hash, so the code itself appears in no path, log or journal.</summary>
    public static string IdOf(string code) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    /// <summary>RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time.</summary>
    public static bool VerifierMatches(string? verifier, string challenge)
    {
        if (verifier is null || verifier.Length is < 43 or > 128 || !verifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~'))
        {
            return false;
        }

        var computed = Encoding.ASCII.GetBytes(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        return CryptographicOperations.FixedTimeEquals(computed, Encoding.ASCII.GetBytes(challenge));
    }

    /// <summary>An S256 challenge is 43 base64url characters.</summary>
    public static bool IsS256Challenge(string? challenge) =>
        challenge is { Length: 43 } && challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

public sealed record CreateCode(string CodeId, CodeGrant Grant, RequestContext Context) : ICodeCommand;

public sealed record CodeCreated(string CodeId);

/// <summary>Redeem a code: exactly one redemption of a code ever succeeds.</summary>
public sealed record RedeemCode(string CodeId, string ClientId, string? RedirectUri, string? CodeVerifier, RequestContext Context) : ICodeCommand
{
    public override string ToString() => $"RedeemCode {{ ClientId = {ClientId} }}";
}

public sealed record CodeRedeemed(CodeGrant Grant);

/// <summary>A code not redeemed; a replayed one names the grant to revoke (RFC 6749 4.1.2).</summary>
public sealed record CodeRejected(CodeRejection Reason, string? GrantIdToRevoke);

// ---- refresh-token families ---------------------------------------------------------------------------------

public interface IRefreshFamilyCommand
{
    string FamilyId { get; }
}

/// <summary>Opaque refresh tokens are <c>{familyId}.{secret}</c>; only the secret's hash is stored.</summary>
public static class RefreshTokens
{
    public static (string Token, string Secret) New(string familyId)
    {
        var secret = Clients.Secrets.NewSecret();
        return ($"{familyId}.{secret}", secret);
    }

    public static bool TryParse(string? token, out string familyId, out string secret)
    {
        familyId = secret = string.Empty;
        if (token is null || token.Length > 200)
        {
            return false;
        }

        var parts = token.Split('.');
        if (parts.Length != 2 || parts[0].Length is < 16 or > 64 || parts[1].Length < 32)
        {
            return false;
        }

        familyId = parts[0];
        secret = parts[1];
        return true;
    }

    public static string Hash(string secret) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

/// <summary>Opens a family for a grant; <paramref name="Resources"/> are the RFC 8707 resources of the grant (null: none named).</summary>
public sealed record StartRefreshFamily(string FamilyId, string ClientId, string UserId, string Scope, string SecretHash, DateTimeOffset ExpiresAt, string? Username = null, IReadOnlyList<string>? Resources = null) : IRefreshFamilyCommand;

public sealed record RefreshFamilyStarted(string FamilyId);

/// <summary>
/// Rotate a refresh token. <paramref name="ClientScopes"/> are the scopes the client holds now: the new access token
/// gets no scope the client has lost since the grant (null from a peer of an older version: no narrowing).
/// </summary>
public sealed record UseRefreshToken(string FamilyId, string Secret, string ClientId, IReadOnlyList<string> RequestedScopes, RequestContext Context, IReadOnlyList<string>? ClientScopes = null) : IRefreshFamilyCommand
{
    public override string ToString() => $"UseRefreshToken {{ FamilyId = {FamilyId}, ClientId = {ClientId} }}";
}

public sealed record RefreshRotated(string FamilyId, string NewRefreshToken, string UserId, string Scope, DateTimeOffset ExpiresAt, string? Username = null, IReadOnlyList<string>? Resources = null)
{
    public override string ToString() => $"RefreshRotated {{ FamilyId = {FamilyId} }}";
}

/// <param name="NoSuchFamily">The family never existed (or is gone): the id may be answered from the node's memory of unknown ids.</param>
public sealed record RefreshRejected(RefreshRejection Reason, bool NoSuchFamily = false);

/// <summary>Close a family. With <paramref name="Secret"/> (a client revoking its token) only a token of the family closes it; without, the server closes it unconditionally.</summary>
public sealed record RevokeRefreshFamily(string FamilyId, string? ClientId, RevocationReason Reason, RequestContext Context, string? Secret = null) : IRefreshFamilyCommand
{
    public override string ToString() => $"RevokeRefreshFamily {{ FamilyId = {FamilyId}, Reason = {Reason} }}";
}

/// <summary>Existed: there was such a family (and the client owned it, when one was named).</summary>
public sealed record RefreshFamilyRevoked(string FamilyId, bool Existed, bool NotOwner);

/// <summary>
/// RFC 7662 for a refresh token: answers <see cref="RefreshTokenInspected"/>, active only for the family's current
/// token, unexpired and open, asked by the client it was issued to. Changes nothing.
/// </summary>
public sealed record InspectRefreshToken(string FamilyId, string Secret, string ClientId) : IRefreshFamilyCommand
{
    public override string ToString() => $"InspectRefreshToken {{ FamilyId = {FamilyId}, ClientId = {ClientId} }}";
}

/// <summary>The refresh token's description when active (<paramref name="IssuedAt"/>: when this token of the family was issued).</summary>
public sealed record RefreshTokenInspected(
    bool Active,
    string? ClientId = null,
    string? UserId = null,
    string? Scope = null,
    IReadOnlyList<string>? Resources = null,
    DateTimeOffset IssuedAt = default,
    DateTimeOffset ExpiresAt = default)
{
    public static readonly RefreshTokenInspected Inactive = new(false);
}

// journal
public sealed record RefreshFamilyOpened(string ClientId, string UserId, string Scope, string SecretHash, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string? Username = null, IReadOnlyList<string>? Resources = null);

public sealed record RefreshTokenRotated(string NewHash, string OldHash, DateTimeOffset At);

public sealed record RefreshFamilyClosed(string Reason, DateTimeOffset At);
