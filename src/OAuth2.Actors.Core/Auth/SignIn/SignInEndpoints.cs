using OAuth2.Actors.Events;
using OAuth2.Actors.Users;

namespace OAuth2.Actors.Auth.SignIn;

/// <summary>A sign-in, sign-up or sign-out from the browser pages.</summary>
public sealed class SignInContext(AuthServices services, object message, RequestContext request) : EndpointContext(services, request)
{
    public object Message { get; } = message;
}

/// <summary>The pages' account steps: one message for every sign-in failure (unknown user, wrong password, backing off).</summary>
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
            LogoutRequest logout => Logout(context.Services, logout),
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
        return reply is UserAuthenticated ok
            ? new LoginSucceeded(new SessionUser(ok.User.UserId, ok.User.Username))
            : new LoginFailed(LoginFailedMessage);
    }

    private static async Task<OAuthReply> SignUp(AuthServices services, SignUpRequest request)
    {
        if ((Usernames.Problem(request.Username) ?? Usernames.PasswordProblem(request.Password)) is { } problem)
        {
            return new LoginFailed(problem);
        }

        return await services.Ask<object>(services.Users, new CreateUser(request.Username, request.Password, request.Email, request.Context, services.Deadline())) switch
        {
            UserCreated created => new LoginSucceeded(new SessionUser(created.User.UserId, created.User.Username)),
            UserRejected rejected => new LoginFailed(rejected.Description),
            var other => throw new InvalidOperationException($"Unexpected answer to CreateUser: {other.GetType().Name}."),
        };
    }

    private static OAuthReply Logout(AuthServices services, LogoutRequest request)
    {
        services.Events.Publish(EventType.UserLogout, request.Context, userId: request.User.UserId, metadata: new Dictionary<string, string> { ["username"] = request.User.Username });
        return LoggedOut.Instance;
    }
}
