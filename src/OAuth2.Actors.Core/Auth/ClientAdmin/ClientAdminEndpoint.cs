using OAuth2.Actors.Auth.ClientManagement;
using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.ClientAdmin;

public enum ClientAdminOperation
{
    List,
    Read,
    Disable,
    Enable,
    Delete,
}

/// <summary>
/// A request to <c>/admin/api/clients</c> or the console's clients page, from the host to the AuthActor.
/// <paramref name="Query"/>, <paramref name="After"/> and <paramref name="Limit"/> page a listing.
/// </summary>
public sealed record ClientAdminRequest(
    PresentedAuthorization Authorization,
    ClientAdminOperation Operation,
    string? ClientId,
    RequestContext Context,
    string? Query = null,
    string? After = null,
    int Limit = ClientAdminEndpoint.DefaultPage) : INoSerializationVerificationNeeded, IEndpointRequest
{
    /// <summary>The console's signed-in user, when the console asks (instead of a bearer token).</summary>
    public SessionUser? ConsoleUser { get; init; }
}

/// <summary>One client as an administrator sees it (read, disabled or enabled).</summary>
public sealed record ClientAccount(ClientSummary Client) : OAuthReply, INoSerializationVerificationNeeded;

/// <summary>A page of the client listing.</summary>
public sealed record ClientAccounts(ClientPage Page) : OAuthReply, INoSerializationVerificationNeeded;

public sealed record ClientAccountDeleted(string ClientId) : OAuthReply, INoSerializationVerificationNeeded;

public sealed class ClientAdminContext(AuthServices services, ClientAdminRequest request)
    : AdminEndpointContext(services, request.Context, request.Authorization, request.ConsoleUser)
{
    public ClientAdminRequest Message { get; } = request;
}

/// <summary>
/// The clients, for an administrator: list (the <see cref="ClientDirectoryActor"/>), read, disable, enable and delete
/// (each client's own entity). Answers are ProblemDetails, not OAuth errors: this is not RFC 7592's endpoint.
/// </summary>
public static class ClientAdminEndpoint
{
    public const int DefaultPage = 50;

    private static readonly AdminFailure NoSuchClient = new(FailureKind.NotFound, "Not found", "No such client.");

    public static readonly EndpointPipeline<ClientAdminContext> Pipeline = new(RequireAdminCaller<ClientAdminContext>.Instance, new RunOperation());

    public sealed class RunOperation : IEndpointStep<ClientAdminContext>
    {
        public async ValueTask Handle(ClientAdminContext context)
        {
            var (services, request) = (context.Services, context.Message);
            if (request.Operation == ClientAdminOperation.List)
            {
                var page = await services.Ask<ClientPage>(services.ClientDirectory, new GetClients(request.Query, request.After, request.Limit));
                context.Complete(new ClientAccounts(page));
                return;
            }

            if (request.ClientId is not { Length: > 0 and <= 200 } clientId)
            {
                context.Complete(NoSuchClient);
                return;
            }

            context.Complete(request.Operation switch
            {
                ClientAdminOperation.Read => Answer(await services.Ask<ClientDescription>(services.Clients, new DescribeClient(clientId))),
                ClientAdminOperation.Disable => await SetDisabled(services, clientId, true, request.Context),
                ClientAdminOperation.Enable => await SetDisabled(services, clientId, false, request.Context),
                ClientAdminOperation.Delete => await Delete(services, clientId, request.Context),
                _ => throw new InvalidOperationException($"No client admin operation {request.Operation}."),
            });
        }
    }

    private static OAuthReply Answer(ClientDescription description) =>
        description.Client is { } client ? new ClientAccount(client) : NoSuchClient;

    private static async Task<OAuthReply> SetDisabled(AuthServices services, string clientId, bool disabled, RequestContext context)
    {
        var reply = await services.Ask<object>(services.Clients, new SetClientDisabled(clientId, disabled, context));
        if (reply is ClientEnableTooEarly early)
        {
            return new AdminFailure(FailureKind.Conflict, "Too early to enable", $"The client's tokens are revoked up to {DateTimeOffset.FromUnixTimeSeconds(early.NotBeforeUnix - 1):u} (what a node could still issue after the disable); it can be enabled from {DateTimeOffset.FromUnixTimeSeconds(early.NotBeforeUnix):u}.");
        }

        var description = (ClientDescription)reply;
        if (disabled && description.Client is { DisabledAt: { } disabledAt })
        {
            // The access tokens it was issued up to the cut-off stop working now, on every node, for good (enabling it
            // again does not bring them back; the tokens it gets once enabled are not covered). Disabling again (a
            // retry) records the same cut-off.
            var revoked = await services.AskTokens<OAuthReply>(new RevokeByKey(RevokeByKey.ClientIssuedUntil(clientId), RevocationReason.ClientDisabled.ToWire(), context)
            {
                ExpiresAtUnix = services.Settings.ClientTokenCutOff(disabledAt) + (long)services.Settings.AccessTokenTtl.TotalSeconds,
            });
            if (revoked is OAuthError error)
            {
                return new AdminFailure(FailureKind.Unavailable, "Tokens not revoked", $"The client is disabled, but its tokens could not be revoked ({error.Description}); disable it again.");
            }
        }

        return Answer(description);
    }

    private static async Task<OAuthReply> Delete(AuthServices services, string clientId, RequestContext context) =>
        await ClientManagementEndpoint.DeleteClient(services, clientId, new ClientManagementAccess(null, Admin: true), context) switch
        {
            ClientDeleted => new ClientAccountDeleted(clientId),
            OAuthError { Kind: FailureKind.NotFound } => NoSuchClient,
            var other => other,
        };
}
