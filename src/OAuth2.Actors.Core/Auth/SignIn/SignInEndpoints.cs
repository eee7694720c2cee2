using OAuth2.Actors.Events;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.SignIn;

/// <summary>A sign-in, sign-up or sign-out from the browser pages.</summary>
public sealed class SignInContext(AuthServices services, object message, RequestContext request) : EndpointContext(services, request)
{
    public object Message { get; } = message;
}

/// <summary>
/// The pages' account steps: one message for every sign-in failure (unknown user, wrong password, backing off); the
/// session epoch a new session carries, its check on every browser request, and sign-out ending the user's sessions.
/// </summary>
public static class SignInEndpoints
{
    public const string LoginFailedMessage = "Invalid username or password.";

    public static readonly EndpointPipeline<SignInContext> Pipeline = new(new RunAccountStep());

    public sealed class RunAccountStep : IEndpointStep<SignInContext>
    {
        public async ValueTask Handle(SignInContext context) => context.Complete(context.Message switch
        {
            LoginRequest login => await Login(context.Services, login),
            SignUpRequest signUp => await SignUp(context.Services, signUp),
            LogoutRequest logout => await Logout(context.Services, logout),
            SessionCheckRequest check => await CheckSession(context.Services, check),
            _ => throw new InvalidOperationException($"No account step for {context.Message.GetType().Name}."),
        });
    }

    private static async Task<OAuthReply> Login(AuthServices services, LoginRequest request)
    {
        if (Usernames.Problem(request.Username) is not null || string.IsNullOrEmpty(request.Password))
        {
            return new LoginFailed(LoginFailedMessage);
        }

        var reply = await Shared.UserSignIn.Authenticate(services, request.Username, request.Password, "password_form", null, request.Context);
        if (reply is not UserAuthenticated ok)
        {
            return new LoginFailed(LoginFailedMessage);
        }

        var session = await services.Ask<SessionStarted>(services.Users, new StartSession(ok.User.Username, ok.User.UserId));
        return session.Epoch is { } epoch
            ? new LoginSucceeded(new SessionUser(ok.User.UserId, ok.User.Username, epoch))
            : new LoginFailed(LoginFailedMessage); // deleted in between
    }

    private static async Task<OAuthReply> SignUp(AuthServices services, SignUpRequest request)
    {
        if ((Usernames.Problem(request.Username) ?? Usernames.PasswordProblem(request.Password)) is { } problem)
        {
            return new LoginFailed(problem);
        }

        return await services.Ask<object>(services.Users, new CreateUser(request.Username, request.Password, request.Email, request.Context, services.Deadline())) switch
        {
            UserCreated created => await NewSession(services, created.User),
            UserRejected rejected => new LoginFailed(rejected.Description),
            var other => throw new InvalidOperationException($"Unexpected answer to CreateUser: {other.GetType().Name}."),
        };
    }

    private static async Task<OAuthReply> NewSession(AuthServices services, UserView user)
    {
        var session = await services.Ask<SessionStarted>(services.Users, new StartSession(user.Username, user.UserId));
        return new LoginSucceeded(new SessionUser(user.UserId, user.Username, session.Epoch ?? 0));
    }

    /// <summary>Sign-out ends the user's sessions on the server: a kept copy of the cookie no longer signs anyone in.</summary>
    private static async Task<OAuthReply> Logout(AuthServices services, LogoutRequest request)
    {
        var user = request.User;
        await services.Ask<SessionsEnded>(services.Users, new EndSessions(user.Username, user.UserId, request.Context));
        services.Events.Publish(EventType.UserLogout, request.Context, userId: user.UserId, metadata: new Dictionary<string, string> { ["username"] = user.Username });
        return LoggedOut.Instance;
    }

    private static async Task<OAuthReply> CheckSession(AuthServices services, SessionCheckRequest request)
    {
        var user = request.User;
        if (Usernames.Problem(user.Username) is not null)
        {
            return new SessionValid(false);
        }

        var status = await services.Ask<SessionStatus>(services.Users, new CheckSession(user.Username, user.UserId, user.SessionEpoch));
        return new SessionValid(status.Active) { Roles = status.Roles ?? [] };
    }
}
