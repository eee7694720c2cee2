using OAuth2.Actors.Auth.Shared;
using OAuth2.Actors.Tokens;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.UserAdmin;

/// <summary>
/// A request to the admin user API or the console's users page: one of the admin messages, from a token with scope
/// <c>admin</c> or from the console's session of a user with the admin role (<see cref="RequireAdminCaller{TContext}"/>).
/// </summary>
public sealed class UserAdminContext(AuthServices services, IUserAdminRequest message)
    : AdminEndpointContext(services, message.Context, message.Authorization, message.ConsoleUser)
{
    public IUserAdminRequest Message { get; } = message;
}

/// <summary>
/// <c>/admin/api/users</c> and the console's users page: create, list, read, change the roles of, unlock and delete
/// users (answers are ProblemDetails, not OAuth errors). A user is addressed by the <c>user_id</c> the API answered, or by username (an alias; the
/// user_id wins when a username happens to equal another user's id).
/// </summary>
public static class UserAdminEndpoints
{
    private static readonly AdminFailure NoSuchUser = new(FailureKind.NotFound, "Not found", "No such user.");

    public static readonly EndpointPipeline<UserAdminContext> Pipeline = new(
        RequireAdminCaller<UserAdminContext>.Instance,
        new RunOperation());

    public sealed class RunOperation : IEndpointStep<UserAdminContext>
    {
        public async ValueTask Handle(UserAdminContext context) => context.Complete(context.Message switch
        {
            AdminCreateUser create => await Create(context.Services, create),
            AdminListUsers list => await List(context.Services, list),
            AdminGetUser get => await Get(context.Services, get),
            AdminDeleteUser delete => await Delete(context.Services, delete),
            AdminUpdateUser update => await Update(context.Services, update),
            AdminUnlockUser unlock => await Unlock(context.Services, unlock),
            _ => throw new InvalidOperationException($"No admin operation for {context.Message.GetType().Name}."),
        });
    }

    private static async Task<OAuthReply> Create(AuthServices services, AdminCreateUser request)
    {
        if ((Usernames.Problem(request.Username) ?? Usernames.PasswordProblem(request.Password)) is { } problem)
        {
            return new AdminFailure(FailureKind.BadRequest, "Invalid user", problem);
        }

        if (request.Email is { } email && (email.Length > 254 || !email.Contains('@', StringComparison.Ordinal)))
        {
            return new AdminFailure(FailureKind.BadRequest, "Invalid user", "email is not a valid address.");
        }

        var roles = UserRoles.Normalize(request.Roles, out var rolesProblem);
        if (roles is null)
        {
            return new AdminFailure(FailureKind.BadRequest, "Invalid user", rolesProblem!);
        }

        return await services.Ask<object>(services.Users, new CreateUser(request.Username!, request.Password!, request.Email, request.Context, services.Deadline()) { Roles = roles }) switch
        {
            UserCreated created => new UserAccount(created.User),
            UserRejected rejected => new AdminFailure(FailureKind.Conflict, "User exists", rejected.Description),
            var other => throw new InvalidOperationException($"Unexpected answer to CreateUser: {other.GetType().Name}."),
        };
    }

    private static async Task<OAuthReply> List(AuthServices services, AdminListUsers request)
    {
        IReadOnlyList<UserView> users = (await services.Ask<CurrentUsers>(services.UserDirectory, GetUsers.Instance)).Users;
        if (request.Query is { Length: > 0 } query)
        {
            users = users.Where(u => u.Username.Contains(query, StringComparison.OrdinalIgnoreCase)
                || u.UserId.Contains(query, StringComparison.OrdinalIgnoreCase)
                || (u.Email?.Contains(query, StringComparison.OrdinalIgnoreCase) ?? false)).ToList();
        }

        var matching = users.Count;
        string? next = null;
        if (request.Limit is { } limit)
        {
            // The directory lists users in the order of their normalized usernames.
            var page = users.Where(u => request.After is null || string.CompareOrdinal(Usernames.Normalize(u.Username), request.After) > 0).Take(limit + 1).ToList();
            next = page.Count > limit ? Usernames.Normalize(page[limit - 1].Username) : null;
            users = page.Take(limit).ToList();
        }

        if (!request.WithSignInBackoff)
        {
            return new UserAccounts(users) { Matching = matching, NextAfter = next };
        }

        // Each entity keeps its own back-off (it changes with every sign-in, so the directory does not list it); a few at a time.
        var backoff = new System.Collections.Concurrent.ConcurrentDictionary<string, CurrentSignInBackoff>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (user, _) =>
        {
            var state = await services.Ask<CurrentSignInBackoff>(services.Users, new GetSignInBackoff(user.Username));
            if (state.UserId == user.UserId)
            {
                backoff[user.UserId] = state;
            }
        });
        return new UserAccounts(users) { SignInBackoff = backoff, Matching = matching, NextAfter = next };
    }

    private static async Task<OAuthReply> Unlock(AuthServices services, AdminUnlockUser request)
    {
        if (await Find(services, request.User) is not { } user)
        {
            return NoSuchUser;
        }

        return await services.Ask<object>(services.Users, new UnlockUser(user.Username, user.UserId, request.Context)) switch
        {
            UserUnlocked unlocked => new UserAccountUnlocked(unlocked.User, unlocked.FailuresCleared),
            UserRejected => NoSuchUser,
            var other => throw new InvalidOperationException($"Unexpected answer to UnlockUser: {other.GetType().Name}."),
        };
    }

    private static async Task<OAuthReply> Get(AuthServices services, AdminGetUser request) =>
        await Find(services, request.Username) is { } user ? new UserAccount(user) : NoSuchUser;

    private static async Task<OAuthReply> Update(AuthServices services, AdminUpdateUser request)
    {
        if (await Find(services, request.User) is not { } user)
        {
            return NoSuchUser;
        }

        if (request.Problem is { } problem)
        {
            return new AdminFailure(FailureKind.BadRequest, "Invalid user", problem);
        }

        if (request.Roles is null)
        {
            return new UserAccount(user);
        }

        var roles = UserRoles.Normalize(request.Roles, out var rolesProblem);
        if (roles is null)
        {
            return new AdminFailure(FailureKind.BadRequest, "Invalid user", rolesProblem!);
        }

        return await services.Ask<object>(services.Users, new SetUserRoles(user.Username, user.UserId, roles, request.Context)) switch
        {
            UserRolesSet set => new UserAccount(set.User),
            UserRejected => NoSuchUser,
            var other => throw new InvalidOperationException($"Unexpected answer to SetUserRoles: {other.GetType().Name}."),
        };
    }

    private static async Task<OAuthReply> Delete(AuthServices services, AdminDeleteUser request)
    {
        if (await Find(services, request.Username) is not { } user)
        {
            return NoSuchUser;
        }

        var deleted = await services.Ask<UserDeleted>(services.Users, new DeleteUser(user.Username, request.Context));
        if (deleted.UserId is null)
        {
            return NoSuchUser;
        }

        // The user's tokens stop working now, not at their expiry.
        await services.AskTokens<OAuthReply>(new RevokeByKey(RevokeByKey.User(deleted.UserId), RevocationReason.UserDeleted.ToWire(), request.Context));
        return new UserAccountDeleted(deleted.Username);
    }

    /// <summary>The user the path names: by user_id (the user directory), else by username (the user's own entity).</summary>
    private static async Task<UserView?> Find(AuthServices services, string idOrUsername)
    {
        if (idOrUsername.Length is > 0 and <= 64 && (await services.Ask<CurrentUser>(services.UserDirectory, new FindUserById(idOrUsername))).User is { } listed)
        {
            // The entity is the truth (the directory's copy may trail a change by a moment).
            var byId = await services.Ask<CurrentUser>(services.Users, new GetUser(listed.Username));
            if (byId.User?.UserId == listed.UserId)
            {
                return byId.User;
            }
        }

        if (Usernames.Problem(idOrUsername) is not null)
        {
            return null;
        }

        var current = await services.Ask<CurrentUser>(services.Users, new GetUser(idOrUsername));
        return current.User;
    }
}
