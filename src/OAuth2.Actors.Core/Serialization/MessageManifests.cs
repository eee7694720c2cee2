using OAuth2.Actors.Auth;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Serialization;

/// <summary>
/// The closed table of every message that may cross nodes, each under a short manifest that never changes: the
/// manifest is what goes on the wire instead of a type name, so a node only ever builds the types listed here, and a
/// rename or a move of a class does not break a rolling deploy. A new cross-node message is added here (the specs
/// fail until it is); a manifest is never reused for another type.
/// </summary>
public static class MessageManifests
{
    private static readonly (Type Type, string Manifest)[] Entries =
    [
        // Shared by every protocol: the hand-off and passivation message, and error replies.
        (typeof(StopEntity), "stop"),
        (typeof(OAuthError), "oauth-error"),
        (typeof(AdminFailure), "admin-failure"),

        // Clients (the "clients" shard region) and every node's authentication cache.
        (typeof(RegisterClient), "cl-register"),
        (typeof(EnsureBootstrapClient), "cl-bootstrap"),
        (typeof(AuthenticateClient), "cl-authenticate"),
        (typeof(GetClient), "cl-get"),
        (typeof(ReadClientConfiguration), "cl-read-config"),
        (typeof(UpdateClientConfiguration), "cl-update-config"),
        (typeof(DeleteClient), "cl-delete"),
        (typeof(ClientRegistrationSucceeded), "cl-registered"),
        (typeof(ClientConfiguration), "cl-config"),
        (typeof(ClientDeleted), "cl-deleted"),
        (typeof(ClientAuthenticated), "cl-authenticated"),
        (typeof(ClientAuthenticationFailed), "cl-auth-failed"),
        (typeof(CurrentClient), "cl-current"),
        (typeof(BootstrapClientReady), "cl-bootstrap-ready"),
        (typeof(InvalidateClientCache), "cl-cache-invalidate"),
        (typeof(ClientCacheInvalidated), "cl-cache-invalidated"),
        (typeof(ExpireUnusedClient), "cl-expire-unused"),
        (typeof(UnusedClientChecked), "cl-unused-checked"),
        (typeof(TrackOpenRegistration), "uc-track"),
        (typeof(SweepUnusedClients), "uc-sweep"),
        (typeof(SetClientDisabled), "cl-set-disabled"),
        (typeof(DescribeClient), "cl-describe"),
        (typeof(ClientDescription), "cl-description"),
        (typeof(ClientEnableTooEarly), "cl-enable-too-early"),
        (typeof(ListClient), "cd-list"),
        (typeof(UnlistClient), "cd-unlist"),
        (typeof(GetClients), "cd-get"),
        (typeof(ClientPage), "cd-page"),
        (typeof(ClientListingUpdated), "cd-updated"),

        // Users (the "users" shard region) and the user directory.
        (typeof(CreateUser), "us-create"),
        (typeof(AuthenticateUser), "us-authenticate"),
        (typeof(GetUser), "us-get"),
        (typeof(DeleteUser), "us-delete"),
        (typeof(CheckConsent), "us-check-consent"),
        (typeof(GrantConsent), "us-grant-consent"),
        (typeof(UserCreated), "us-created"),
        (typeof(UserRejected), "us-rejected"),
        (typeof(UserAuthenticated), "us-authenticated"),
        (typeof(UserAuthenticationRejected), "us-auth-rejected"),
        (typeof(CurrentUser), "us-current"),
        (typeof(UserDeleted), "us-deleted"),
        (typeof(ConsentStatus), "us-consent-status"),
        (typeof(ConsentRecorded), "us-consent-recorded"),
        (typeof(SetUserRoles), "us-set-roles"),
        (typeof(UserRolesSet), "us-roles-set"),
        (typeof(StartSession), "us-start-session"),
        (typeof(CheckSession), "us-check-session"),
        (typeof(EndSessions), "us-end-sessions"),
        (typeof(SessionStarted), "us-session-started"),
        (typeof(SessionStatus), "us-session-status"),
        (typeof(SessionsEnded), "us-sessions-ended"),
        (typeof(UnlockUser), "us-unlock"),
        (typeof(UserUnlocked), "us-unlocked"),
        (typeof(GetSignInBackoff), "us-get-backoff"),
        (typeof(CurrentSignInBackoff), "us-backoff"),
        (typeof(ListUser), "ud-list"),
        (typeof(UnlistUser), "ud-unlist"),
        (typeof(GetUsers), "ud-get"),
        (typeof(CurrentUsers), "ud-current"),
        (typeof(FindUserById), "ud-find-by-id"),
        (typeof(UserListingUpdated), "ud-updated"),

        // Every node's memory of unknown ids (users, clients, refresh families), cleared when one is created.
        (typeof(ForgetUnknownId), "unknown-forget"),
        (typeof(UnknownIdForgotten), "unknown-forgotten"),

        // Authorization codes.
        (typeof(CreateCode), "ac-create"),
        (typeof(RedeemCode), "ac-redeem"),
        (typeof(CodeCreated), "ac-created"),
        (typeof(CodeRedeemed), "ac-redeemed"),
        (typeof(CodeRejected), "ac-rejected"),

        // Refresh-token families.
        (typeof(StartRefreshFamily), "rf-start"),
        (typeof(UseRefreshToken), "rf-use"),
        (typeof(RevokeRefreshFamily), "rf-revoke"),
        (typeof(RefreshFamilyStarted), "rf-started"),
        (typeof(RefreshRotated), "rf-rotated"),
        (typeof(RefreshRejected), "rf-rejected"),
        (typeof(RefreshFamilyRevoked), "rf-revoked"),
        (typeof(InspectRefreshToken), "rf-inspect"),
        (typeof(RefreshTokenInspected), "rf-inspected"),

        // Resource servers (the "resource-servers" shard region) and the push to every node's resource directory.
        (typeof(CreateResourceServer), "rs-create"),
        (typeof(UpdateResourceServer), "rs-update"),
        (typeof(DeleteResourceServer), "rs-delete"),
        (typeof(GetResourceServers), "rs-get"),
        (typeof(ResourceServerSaved), "rs-saved"),
        (typeof(ResourceServerDeleted), "rs-deleted"),
        (typeof(CurrentResourceServers), "rs-current"),
        (typeof(PushResourceServers), "rs-push"),
        (typeof(ResourceServersPushed), "rs-pushed"),

        // Signing keys.
        (typeof(GetSigningKey), "sk-get"),
        (typeof(CurrentSigningKey), "sk-current"),
        (typeof(GetSigningKeys), "sk-get-all"),
        (typeof(CurrentSigningKeys), "sk-current-all"),
        (typeof(RotateSigningKey), "sk-rotate"),
        (typeof(SigningKeyRotated), "sk-rotated"),
        (typeof(SigningKeyRotationRefused), "sk-rotation-refused"),
        (typeof(SigningKeysUnavailable), "sk-unavailable"),
        (typeof(PushSigningKeys), "sk-push"),
        (typeof(SigningKeysPushed), "sk-pushed"),

        // Revocation buckets, and the push to every node's revocation view.
        (typeof(RecordRevocation), "rv-record"),
        (typeof(GetRevocations), "rv-get"),
        (typeof(RevocationRecorded), "rv-recorded"),
        (typeof(CurrentRevocations), "rv-current"),
        (typeof(PushRevocation), "rv-push"),
        (typeof(RevocationPushed), "rv-pushed"),

        // Durable event sinks (the "event-sinks" shard region: one consumer entity per sink, asked from any node).
        (typeof(KeepSinkRunning), "es-keep"),
        (typeof(GetSinkStatus), "es-get"),
        (typeof(PauseSink), "es-pause"),
        (typeof(ResumeSink), "es-resume"),
        (typeof(RetireSink), "es-retire"),
        (typeof(SinkRetired), "es-retired"),
        (typeof(ReplaySink), "es-replay"),
        (typeof(SinkStatus), "es-status"),
        (typeof(SinkReplayStarted), "es-replay-started"),
    ];

    private static readonly Dictionary<Type, string> ByType = Entries.ToDictionary(e => e.Type, e => e.Manifest);

    private static readonly Dictionary<string, Type> ByManifest = Entries.ToDictionary(e => e.Manifest, e => e.Type, StringComparer.Ordinal);

    /// <summary>Every type in the table (for the serialization bindings and the specs).</summary>
    public static IReadOnlyCollection<Type> Types => ByType.Keys;

    /// <summary>The manifest of a type in the table, or null for any other type.</summary>
    public static string? ManifestOf(Type type) => ByType.GetValueOrDefault(type);

    /// <summary>The type a manifest stands for, or null for a manifest not in the table.</summary>
    public static Type? TypeOf(string manifest) => ByManifest.GetValueOrDefault(manifest);
}
