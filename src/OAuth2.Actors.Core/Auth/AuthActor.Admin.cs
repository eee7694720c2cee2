using Akka.Actor;
using OAuth2.Actors.Clients;
using OAuth2.Actors.Protocol;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth;

/// <summary>The admin user API and RFC 7592 client management.</summary>
public sealed partial class AuthActor
{
    private static readonly string[] AdminScope = [Scopes.Admin];

    private async Task<AdminFailure?> RequireAdmin(string? authorization, RequestContext context)
    {
        var reply = await Bearer(new AuthorizeBearer(authorization, AdminScope, context));
        return reply is OAuthError error ? new AdminFailure(error.StatusCode, error.Error, error.Description, error.WwwAuthenticate) : null;
    }

    private async Task<OAuthReply> CreateUser(AdminCreateUser request)
    {
        if (await RequireAdmin(request.Authorization, request.Context) is { } denied)
        {
            return denied;
        }

        if ((Usernames.Problem(request.Username) ?? Usernames.PasswordProblem(request.Password)) is { } problem)
        {
            return new AdminFailure(400, "Invalid user", problem);
        }

        if (request.Email is { } email && (email.Length > 254 || !email.Contains('@', StringComparison.Ordinal)))
        {
            return new AdminFailure(400, "Invalid user", "email is not a valid address.");
        }

        var reply = await _neighbours.Users.Ask<object>(new CreateUser(request.Username!, request.Password!, request.Email, request.Context), _settings.InternalTimeout);
        return reply switch
        {
            UserCreated created => new UserAccount(created.User),
            UserRejected rejected => new AdminFailure(409, "User exists", rejected.Description),
            _ => new AdminFailure(503, "Unavailable", "The user could not be created."),
        };
    }

    private async Task<OAuthReply> ListUsers(AdminListUsers request)
    {
        if (await RequireAdmin(request.Authorization, request.Context) is { } denied)
        {
            return denied;
        }

        var users = await _neighbours.UserDirectory.Ask<CurrentUsers>(GetUsers.Instance, _settings.InternalTimeout);
        return new UserAccounts(users.Users);
    }

    private async Task<OAuthReply> GetUser(AdminGetUser request)
    {
        if (await RequireAdmin(request.Authorization, request.Context) is { } denied)
        {
            return denied;
        }

        if (Usernames.Problem(request.Username) is not null)
        {
            return new AdminFailure(404, "Not found", "No such user.");
        }

        var current = await _neighbours.Users.Ask<CurrentUser>(new Users.GetUser(request.Username), _settings.InternalTimeout);
        return current.User is { } user ? new UserAccount(user) : new AdminFailure(404, "Not found", "No such user.");
    }

    private async Task<OAuthReply> DeleteUser(AdminDeleteUser request)
    {
        if (await RequireAdmin(request.Authorization, request.Context) is { } denied)
        {
            return denied;
        }

        if (Usernames.Problem(request.Username) is not null)
        {
            return new AdminFailure(404, "Not found", "No such user.");
        }

        var deleted = await _neighbours.Users.Ask<UserDeleted>(new Users.DeleteUser(request.Username, request.Context), _settings.InternalTimeout);
        if (deleted.UserId is null)
        {
            return new AdminFailure(404, "Not found", "No such user.");
        }

        // The user's tokens stop working now, not at their expiry.
        await _tokens.Ask<OAuthReply>(new RevokeByKey(RevokeByKey.User(deleted.UserId), "user_deleted", request.Context), _settings.InternalTimeout);
        return new UserAccountDeleted(deleted.Username);
    }

    private async Task<OAuthReply> ManageClient(ClientManagementRequest request)
    {
        var bearer = ClientCredentialsReader.BearerToken(request.Authorization);
        if (bearer is null)
        {
            return new OAuthError(Errors.InvalidToken, "A registration access token is required.", 401, "Bearer");
        }

        var admin = bearer.Count(c => c == '.') == 2 && await HasScope(bearer, Scopes.Admin, request.Context);
        var access = new ClientManagementAccess(admin ? null : bearer, admin);
        object command = request.Method switch
        {
            "GET" => new ReadClientConfiguration(request.ClientId, access),
            "PUT" => new UpdateClientConfiguration(request.ClientId, access, request.Metadata ?? new ClientMetadata(), request.BodyClientId, request.BodyClientSecret, request.Context),
            "DELETE" => new DeleteClient(request.ClientId, access, request.Context),
            _ => new GetClient(request.ClientId),
        };
        if (command is GetClient)
        {
            return OAuthError.InvalidRequest("Unsupported method.");
        }

        var reply = await _clients.Ask<OAuthReply>(command, _settings.InternalTimeout);
        if (reply is ClientDeleted)
        {
            // Deleting a client makes its tokens inactive at once, on every node.
            await _tokens.Ask<OAuthReply>(new RevokeByKey(RevokeByKey.Client(request.ClientId), "client_deleted", request.Context), _settings.InternalTimeout);
        }

        return reply;
    }
}
