using System.Diagnostics;
using Akka.Event;
using OAuth2.Actors.Auth.Authorization;
using OAuth2.Actors.Auth.Bearer;
using OAuth2.Actors.Auth.ClientAdmin;
using OAuth2.Actors.Auth.ClientManagement;
using OAuth2.Actors.Auth.Introspection;
using OAuth2.Actors.Auth.Registration;
using OAuth2.Actors.Auth.Revocation;
using OAuth2.Actors.Auth.SignIn;
using OAuth2.Actors.Auth.Token;
using OAuth2.Actors.Auth.UserAdmin;
using OAuth2.Actors.Diagnostics;
using OAuth2.Actors.Resources;

namespace OAuth2.Actors.Auth;

/// <summary>
/// The front door the host asks. It holds no endpoint rules itself: each request message starts its endpoint's
/// pipeline (a folder per endpoint beside this file), which runs off the actor's thread and whose reply is piped
/// back to the asker, so one slow neighbour never holds up other requests. A request that does not finish within
/// the request timeout answers temporarily_unavailable; one that fails is a bug: logged with its stack trace,
/// counted, and answered server_error.
/// </summary>
public sealed class AuthActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ServerFailures _failures;
    private readonly EndpointMetrics _metrics;

    public AuthActor(AuthServices services, TokenGrants grants, ServerFailures failures)
    {
        _failures = failures;
        _metrics = new EndpointMetrics(Context.System.Metrics(), grants, services.Settings);
        services = services with { Log = _log };
        var token = TokenEndpoint.Pipeline(grants);

        Endpoint<TokenEndpointRequest>(r => token.Run(new TokenRequestContext(services, r)));
        Endpoint<IntrospectionEndpointRequest>(r => IntrospectionEndpoint.Pipeline.Run(new IntrospectionContext(services, r)));
        Endpoint<RevocationEndpointRequest>(r => RevocationEndpoint.Pipeline.Run(new RevocationContext(services, r)));
        Endpoint<RegistrationEndpointRequest>(r => RegistrationEndpoint.Pipeline.Run(new RegistrationContext(services, r)));
        Endpoint<ClientManagementRequest>(r => ClientManagementEndpoint.Pipeline.Run(new ClientManagementContext(services, r)));
        Endpoint<AuthorizeBearer>(r => BearerEndpoint.Pipeline.Run(new BearerCheckContext(services, r)));
        Endpoint<AuthorizeEndpointRequest>(r => AuthorizationEndpoint.Pipeline.Run(new AuthorizationContext(services, r)));
        Endpoint<LoginRequest>(r => SignInEndpoints.Pipeline.Run(new SignInContext(services, r, r.Context)));
        Endpoint<SignUpRequest>(r => SignInEndpoints.Pipeline.Run(new SignInContext(services, r, r.Context)));
        Endpoint<LogoutRequest>(r => SignInEndpoints.Pipeline.Run(new SignInContext(services, r, r.Context)));
        Endpoint<SessionCheckRequest>(r => SignInEndpoints.Pipeline.Run(new SignInContext(services, r, r.Context)));
        Endpoint<AdminCreateUser>(r => UserAdminEndpoints.Pipeline.Run(new UserAdminContext(services, r)));
        Endpoint<AdminListUsers>(r => UserAdminEndpoints.Pipeline.Run(new UserAdminContext(services, r)));
        Endpoint<AdminGetUser>(r => UserAdminEndpoints.Pipeline.Run(new UserAdminContext(services, r)));
        Endpoint<AdminDeleteUser>(r => UserAdminEndpoints.Pipeline.Run(new UserAdminContext(services, r)));
        Endpoint<AdminUpdateUser>(r => UserAdminEndpoints.Pipeline.Run(new UserAdminContext(services, r)));
        Endpoint<AdminUnlockUser>(r => UserAdminEndpoints.Pipeline.Run(new UserAdminContext(services, r)));
        Endpoint<ClientAdminRequest>(r => ClientAdminEndpoint.Pipeline.Run(new ClientAdminContext(services, r)));
        Endpoint<ResourceAdminRequest>(r => ResourceAdminEndpoint.Pipeline.Run(new ResourceAdminContext(services, r)));
    }

    public static Props Props(AuthServices services, TokenGrants grants, ServerFailures failures) =>
        Akka.Actor.Props.Create(() => new AuthActor(services, grants, failures));

    /// <summary>
    /// Runs <typeparamref name="TRequest"/>'s pipeline in a span of its own (a child of the HTTP request's), measures its
    /// outcome and pipes the reply to the asker.
    /// </summary>
    private void Endpoint<TRequest>(Func<TRequest, Task<OAuthReply>> run)
        where TRequest : IEndpointRequest
    {
        var spanName = "endpoint " + typeof(TRequest).Name;
        Receive<TRequest>(request =>
        {
            var span = OAuth2Tracing.StartEndpoint(spanName, request.Context);
            Task<OAuthReply> pipeline;
            try
            {
                // The pipeline's awaits carry the span (its Asks are its children)...
                pipeline = run(request);
            }
            finally
            {
                // ...but this thread goes on to the actor's next message without it.
                if (span is not null)
                {
                    Activity.Current = null;
                }
            }

            pipeline.PipeTo(
                Sender,
                success: reply => Measured(request, reply, span),
                failure: exception => Measured(request, Failed(exception), span));
        });
    }

    private OAuthReply Measured(object request, OAuthReply reply, Activity? span)
    {
        _metrics.Record(request, reply);
        if (span is not null)
        {
            if (reply is OAuthError error)
            {
                span.Failed(error.Error);
            }

            span.Dispose();
        }

        return reply;
    }

    private OAuthReply Failed(Exception exception)
    {
        var cause = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        if (cause is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            _log.Warning("A request did not complete within the request timeout: {Cause}", cause.Message);
            return OAuthError.TimedOut;
        }

        _failures.Record();
        _log.Error(cause, "A request failed with an unexpected error");
        return OAuthError.Failed;
    }
}
