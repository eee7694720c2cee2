using OAuth2.Actors.Events.Log;
using OAuth2.Actors.Grants;
using OAuth2.Actors.Resources;
using OAuth2.Actors.Hosting;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// An instance of every cross-node message, every optional member set (so a member the serializer drops shows), and
/// the variants with the optional members left out.
/// </summary>
internal static class MessageSamples
{
    /// <summary>Not a whole second, not UTC: both must survive.</summary>
    private static readonly DateTimeOffset At = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(1234567);
    private static readonly SigningKeyEntry SigningKey = new("kid-1", "ES256", "kek1:0123456789abcdef:AAAA", At, At, SigningKeyEntry.Generated);

    private static readonly RequestContext Context = new("corr-1", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=x", "10.0.0.1", "http");

    private static readonly ClientMetadata Metadata = new(
        ["https://app.example/cb", "https://app.example/cb2"], [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], ["code"], ClientAuthMethods.ClientSecretBasic, "read write", "App");

    private static readonly ClientRegistrationResponse Response = new(
        "client-1", "secret", 1_700_000_000, 0, "registration-token", "https://auth.example/clients/client-1",
        ["https://app.example/cb"], [GrantTypes.AuthorizationCode], ["code"], ClientAuthMethods.ClientSecretBasic, "read", "App");

    private static readonly ClientView View = new("client-1", "App", ["https://app.example/cb"], [GrantTypes.ClientCredentials], ["code"], ClientAuthMethods.ClientSecretPost, "read write");

    private static readonly ClientSummary Summary = new("client-1", "App", ["https://app.example/cb"], [GrantTypes.AuthorizationCode], ["code"], ClientAuthMethods.ClientSecretBasic, "read", 1_700_000_000, true, 1_700_000_100, true, 1_700_000_200);

    private static readonly ClientManagementAccess Access = new("registration-token", false);

    private static readonly UserView User = new("user-1", "Alice", "alice@example.test", At) { Roles = ["admin", "events:read"] };

    private static readonly CodeGrant Grant = new("grant-1", "client-1", "user-1", "alice", "https://app.example/cb", true, "read", "challenge", At, ["https://api.example", "urn:example:ledger"]);

    private static readonly ResourceServer Api = new("rs-1", "https://api.example", ["read", "write"], "client-9", At, At.AddHours(1));

    private static readonly ResourceServerSpec ApiSpec = new("https://api.example", ["read"], "client-9");

    public static IReadOnlyList<object> All { get; } =
    [
        StopEntity.Instance,
        new OAuthError(Errors.InvalidToken, "Bad token.", FailureKind.Unauthenticated, new AuthChallenge(ChallengeScheme.Bearer, Errors.InvalidToken, "admin"), "https://errors.example/1"),
        new AdminFailure(FailureKind.Conflict, "User exists", "A user with this username already exists."),

        new RegisterClient("client-1", Metadata, true, Context),
        new EnsureBootstrapClient("admin", "admin-secret"),
        new AuthenticateClient("client-1", "secret", ClientAuthMethods.ClientSecretBasic, Context),
        new GetClient("client-1"),
        new ReadClientConfiguration("client-1", Access),
        new UpdateClientConfiguration("client-1", Access, Metadata, "client-1", "secret", Context),
        new DeleteClient("client-1", new ClientManagementAccess(null, true), Context),
        new ClientRegistrationSucceeded(Response),
        new ClientConfiguration(Response),
        new ClientDeleted("client-1"),
        new ClientAuthenticated(View),
        new ClientAuthenticationFailed("client-1", ClientAuthenticationFailure.PublicClientPresentedSecret),
        new CurrentClient("client-1", View),
        new BootstrapClientReady("admin"),
        new InvalidateClientCache("client-1"),
        new ClientCacheInvalidated("client-1"),
        new ExpireUnusedClient("client-1"),
        new UnusedClientChecked("client-1", Removed: true),
        new TrackOpenRegistration("client-1", 1_700_000_000),
        SweepUnusedClients.Instance,
        new SetClientDisabled("client-1", true, Context),
        new DescribeClient("client-1"),
        new ClientDescription("client-1", Summary),
        new ClientEnableTooEarly("client-1", 1_700_000_271),
        new ListClient(Summary),
        new UnlistClient("client-1"),
        new GetClients("app", "client-0", 50),
        new ClientPage([Summary, Summary with { ClientId = "client-2", ClientName = null, FirstAuthenticatedAt = null, Disabled = false }], 2, "client-2"),
        ClientListingUpdated.Instance,

        new CreateUser("alice", "password-1", "alice@example.test", Context, At) { Roles = ["admin"] },
        new AuthenticateUser("alice", "password-1", "password", "client-1", Context, At),
        new GetUser("alice"),
        new DeleteUser("alice", Context),
        new CheckConsent("alice", "client-1", ["read", "write"]),
        new GrantConsent("alice", "client-1", ["read"]),
        new UserCreated(User),
        new UserRejected(UserRejection.UnknownUser, "No such user."),
        new UserAuthenticated(User),
        new UserAuthenticationRejected("backing_off"),
        new CurrentUser(User),
        new UserDeleted("alice", "user-1"),
        new ConsentStatus(true),
        new ConsentRecorded(),
        new SetUserRoles("alice", "user-1", ["admin", "events:read"], Context),
        new UserRolesSet(User),
        new StartSession("alice", "user-1"),
        new CheckSession("alice", "user-1", 3),
        new EndSessions("alice", "user-1", Context),
        new SessionStarted(3),
        new SessionStatus(true),
        new SessionsEnded(true),
        new UnlockUser("alice", "user-1", Context),
        new UserUnlocked(User, 5),
        new GetSignInBackoff("alice"),
        new CurrentSignInBackoff("user-1", 6, At),
        new ListUser(User),
        new UnlistUser("alice"),
        GetUsers.Instance,
        new CurrentUsers([User, User with { UserId = "user-2", Username = "bob", Email = null, Roles = [] }]),
        new FindUserById("user-1"),
        UserListingUpdated.Instance,
        new ForgetUnknownId(UnknownIdKind.RefreshFamily, "family-1"),
        new UnknownIdForgotten(UnknownIdKind.User, "alice"),

        new CreateCode("code-1", Grant, Context),
        new RedeemCode("code-1", "client-1", "https://app.example/cb", "verifier", Context),
        new CodeCreated("code-1"),
        new CodeRedeemed(Grant),
        new CodeRejected(CodeRejection.RedirectUriMismatch, "grant-1"),

        new StartRefreshFamily("family-1", "client-1", "user-1", "read write", "hash", At, "alice", ["https://api.example"]),
        new UseRefreshToken("family-1", "secret", "client-1", ["read"], Context, ["read", "write"]),
        new RevokeRefreshFamily("family-1", "client-1", RevocationReason.AuthorizationCodeReplay, Context, "secret"),
        new RefreshFamilyStarted("family-1"),
        new RefreshRotated("family-1", "family-1.next", "user-1", "read", At, "alice", ["https://api.example"]),
        new RefreshRejected(RefreshRejection.Unknown, NoSuchFamily: true),
        new RefreshFamilyRevoked("family-1", true, true),
        new InspectRefreshToken("family-1", "secret", "client-1"),
        new RefreshTokenInspected(true, "client-1", "user-1", "read", ["https://api.example"], At, At.AddDays(30)),

        new CreateResourceServer(ApiSpec, Context),
        new UpdateResourceServer("rs-1", ApiSpec, Context),
        new DeleteResourceServer("rs-1", Context),
        GetResourceServers.Instance,
        new ResourceServerSaved(Api),
        new ResourceServerDeleted("rs-1"),
        new CurrentResourceServers([Api, Api with { Id = "rs-2", Resource = "urn:example:ledger" }], 12),
        new PushResourceServers(new CurrentResourceServers([Api], 12)),
        new ResourceServersPushed(12),

        new GetSigningKey(GetSigningKey.Default, SigningAlgorithm.RS256),
        new CurrentSigningKey(GetSigningKey.Default, "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"),
        GetSigningKeys.Default,
        new CurrentSigningKeys(GetSigningKey.Default, [SigningKey]),
        RotateSigningKey.Default,
        new SigningKeyRotated(GetSigningKey.Default, "kid-2", [SigningKey, SigningKey with { KeyId = "kid-2", ActivatesAt = At.AddMinutes(10) }]),
        new SigningKeyRotationRefused(GetSigningKey.Default, "Key kid-2 is already waiting to sign."),
        new SigningKeysUnavailable(GetSigningKey.Default, "The stored keys are encrypted with key-encryption key 0123456789abcdef."),
        new PushSigningKeys(new CurrentSigningKeys(GetSigningKey.Default, [SigningKey])),
        new SigningKeysPushed(GetSigningKey.Default),

        new RecordRevocation(7, "jti-1", 1_900_000_000, "client-1"),
        new GetRevocations(7, 42, "jti-0"),
        new RevocationRecorded("jti-1", 1_900_000_000),
        new CurrentRevocations(7, 42, "jti-0", new Dictionary<string, long> { ["jti-1"] = 1_900_000_000, ["grant:g"] = long.MaxValue }, "jti-1", 57),
        new PushRevocation("sub:user-1", 1_900_000_000),
        new RevocationPushed("sub:user-1"),

        new KeepSinkRunning("kafka"),
        new GetSinkStatus("kafka"),
        new PauseSink("kafka"),
        new ResumeSink("kafka"),
        new RetireSink("webhook:wh_0123456789abcdef"),
        new SinkRetired("webhook:wh_0123456789abcdef"),
        new ReplaySink("kafka", LogBound.AtPosition(10), LogBound.AtTime(At)),
        new SinkStatus("kafka", SinkState.Failing, 41, 57, 16, 2.5, 3, "10.0.0.2:4053", new SinkCounters(41, 2, 5, 7), new SinkReplayStatus(3, 9, 4, false), "BrokerDown: no route", new Dictionary<string, long> { ["confirmed"] = 41 }),
        new SinkReplayStarted("kafka", 3, 9),
    ];

    /// <summary>The optional members left out, and the shared instances the code sends.</summary>
    public static IReadOnlyList<object> Variants { get; } =
    [
        OAuthError.TimedOut,
        new SinkStatus("in_memory", SinkState.Starting, 0, 0, 0, 0, 0, null, new SinkCounters(0, 0, 0, 0), null, null),
        OAuthError.InvalidClient(basicAttempted: true),
        new RegisterClient("client-2", new ClientMetadata(), false, RequestContext.Internal("corr-2")),
        new AuthenticateClient("client-2", null, ClientAuthMethods.None, RequestContext.Internal("corr-2")),
        new UpdateClientConfiguration("client-2", new ClientManagementAccess(null, true), new ClientMetadata(Scope: "read"), null, null, Context),
        new ClientRegistrationSucceeded(Response with { ClientSecret = null, RegistrationAccessToken = null, ClientName = null }),
        new CurrentClient("client-2", null),
        new ClientDescription("client-2", null),
        new GetClients(null, null, 1),
        new ClientPage([], 0, null),
        new CreateUser("bob", "password-2", null, Context),
        new AuthenticateUser("bob", "password-2", "form", null, Context),
        new CheckConsent("bob", "client-2", []),
        new CurrentUser(null),
        new CurrentUser(User with { Roles = [] }),
        new SetUserRoles("bob", "user-2", [], Context),
        new SessionStarted(null),
        new UserDeleted("bob", null),
        new CurrentSignInBackoff(null, 0, null),
        new CurrentUsers([]),
        new CreateCode("code-2", Grant with { RedirectUriGiven = false, CodeChallenge = null, Resources = null }, Context),
        new RedeemCode("code-2", "client-2", null, null, Context),
        new CodeRejected(CodeRejection.Unknown, null),
        new StartRefreshFamily("family-2", "client-2", "user-2", "read", "hash", At),
        new RefreshRejected(RefreshRejection.ReuseDetected),
        new RevokeRefreshFamily("family-2", null, RevocationReason.UserDeleted, Context),
        new RefreshRotated("family-2", "family-2.next", "user-2", "read", At),
        RefreshTokenInspected.Inactive,
        new CurrentResourceServers([], 0),
        new GetRevocations(0),
        new CurrentRevocations(0, 0, null, new Dictionary<string, long>(), null, 0),
    ];
}
