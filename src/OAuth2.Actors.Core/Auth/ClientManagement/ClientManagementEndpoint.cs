using OAuth2.Actors.Auth.Bearer;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.ClientManagement;

/// <summary><c>/clients/{id}</c> (RFC 7592): read, update or delete a client with its registration access token (or as admin).</summary>
public static class ClientManagementEndpoint
{
    public static readonly EndpointPipeline<ClientManagementContext> Pipeline = new(new IdentifyCaller(), new ForwardToClientEntity());

    /// <summary>RFC 7592 2: a registration access token is required; an admin's access token (a JWT with scope admin) will do too.</summary>
    public sealed class IdentifyCaller : IEndpointStep<ClientManagementContext>
    {
        public async ValueTask Handle(ClientManagementContext context)
        {
            var bearer = context.Message.Authorization.BearerToken;
            if (bearer is null)
            {
                context.Reject(new OAuthError(Errors.InvalidToken, "A registration access token is required.", FailureKind.Unauthenticated, AuthChallenge.BearerRequired));
                return;
            }

            var admin = bearer.Count(c => c == '.') == 2 && await BearerTokens.HasScope(context.Services, bearer, Scopes.Admin, context.Request);
            context.Access = new ClientManagementAccess(admin ? null : bearer, admin);
        }
    }

    public sealed class ForwardToClientEntity : IEndpointStep<ClientManagementContext>
    {
        public async ValueTask Handle(ClientManagementContext context)
        {
            var (services, request, access) = (context.Services, context.Message, context.Access!);
            object command = request.Operation switch
            {
                ClientManagementOperation.Read => new ReadClientConfiguration(request.ClientId, access),
                ClientManagementOperation.Update => new UpdateClientConfiguration(request.ClientId, access, request.Metadata ?? new ClientMetadata(), request.BodyClientId, request.BodyClientSecret, request.Context),
                ClientManagementOperation.Delete => new DeleteClient(request.ClientId, access, request.Context),
                _ => throw new ArgumentOutOfRangeException(nameof(context), request.Operation, "Unknown client management operation."),
            };

            context.Complete(command is DeleteClient delete
                ? await DeleteClient(services, delete.ClientId, delete.Access, delete.Context)
                : await services.Ask<OAuthReply>(services.Clients, command));
        }
    }

    /// <summary>Deletes the client and makes its tokens inactive at once, on every node.</summary>
    public static async Task<OAuthReply> DeleteClient(AuthServices services, string clientId, ClientManagementAccess access, RequestContext context)
    {
        var reply = await services.Ask<OAuthReply>(services.Clients, new DeleteClient(clientId, access, context));
        if (reply is ClientDeleted)
        {
            await services.AskTokens<OAuthReply>(new RevokeByKey(RevokeByKey.Client(clientId), RevocationReason.ClientDeleted.ToWire(), context));
        }

        return reply;
    }
}
