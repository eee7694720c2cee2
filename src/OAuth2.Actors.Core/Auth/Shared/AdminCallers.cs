using OAuth2.Actors.Auth.Bearer;
using OAuth2.Actors.Tokens;

namespace OAuth2.Actors.Auth.Shared;

/// <summary>
/// A request to an admin operation that both the admin API (a bearer token with scope <c>admin</c>) and the admin
/// console (a browser session, <paramref name="consoleUser"/>) may make.
/// </summary>
public abstract class AdminEndpointContext(AuthServices services, RequestContext request, PresentedAuthorization authorization, SessionUser? consoleUser)
    : BearerEndpointContext(services, request, authorization, AdminScope)
{
    private static readonly string[] AdminScope = [Scopes.Admin];

    /// <summary>The console's signed-in user; null: the caller presented a bearer token (or nothing).</summary>
    public SessionUser? ConsoleUser { get; } = consoleUser;
}

/// <summary>
/// The caller is an administrator: a console session whose user holds the admin role now (else 403), or an active
/// bearer token with scope <c>admin</c> (else RFC 6750's 401 or 403).
/// </summary>
public sealed class RequireAdminCaller<TContext> : IEndpointStep<TContext>
    where TContext : AdminEndpointContext
{
    public static readonly RequireAdminCaller<TContext> Instance = new();

    private static readonly AdminFailure NotAnAdmin = new(FailureKind.Forbidden, "Forbidden", "The session's user does not hold the admin role.");

    public async ValueTask Handle(TContext context)
    {
        if (context.ConsoleUser is { } user)
        {
            if (!await ConsoleSessions.IsAdmin(context.Services, user))
            {
                context.Complete(NotAnAdmin);
            }

            return;
        }

        await RequireActiveBearerToken<TContext>.Instance.Handle(context);
        if (!context.IsDecided)
        {
            await RequireBearerScope<TContext>.Instance.Handle(context);
        }
    }
}
