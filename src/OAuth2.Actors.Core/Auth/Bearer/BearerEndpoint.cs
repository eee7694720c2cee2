namespace OAuth2.Actors.Auth.Bearer;

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
