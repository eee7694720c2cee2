
namespace OAuth2.Actors.Auth.Bearer;

/// <summary>An <see cref="AuthorizeBearer"/> check on its way through <see cref="BearerEndpoint"/>.</summary>
public sealed class BearerCheckContext(AuthServices services, AuthorizeBearer request)
    : BearerEndpointContext(services, request.Context, request.Authorization, request.AnyOfScopes);

/// <summary>The bearer check of the server's own protected endpoints (<c>/events</c>, <c>/events/ingest</c>).</summary>
public static class BearerEndpoint
{
    public static readonly EndpointPipeline<BearerCheckContext> Pipeline = new(
        RequireActiveBearerToken<BearerCheckContext>.Instance,
        RequireBearerScope<BearerCheckContext>.Instance,
        new Authorized());

    public sealed class Authorized : IEndpointStep<BearerCheckContext>
    {
        public ValueTask Handle(BearerCheckContext context)
        {
            context.Complete(new BearerAuthorized(context.Token!));
            return ValueTask.CompletedTask;
        }
    }
}
