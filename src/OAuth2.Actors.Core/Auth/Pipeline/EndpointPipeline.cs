namespace OAuth2.Actors.Auth.Pipeline;

/// <summary>
/// One small, named rule of an endpoint (OpenIddict's handler style): it validates or enriches the context, or
/// decides the request by rejecting it with the RFC 6749 error triple or completing it.
/// </summary>
public interface IEndpointStep<in TContext>
    where TContext : EndpointContext
{
    ValueTask Handle(TContext context);
}

/// <summary>An endpoint's rules, in order. The first step that decides the request ends it.</summary>
public sealed class EndpointPipeline<TContext>(params IEndpointStep<TContext>[] steps)
    where TContext : EndpointContext
{
    public IReadOnlyList<IEndpointStep<TContext>> Steps { get; } = steps;

    public async Task<OAuthReply> Run(TContext context)
    {
        foreach (var step in Steps)
        {
            await step.Handle(context);
            if (context.Reply is { } reply)
            {
                return reply;
            }
        }

        throw new InvalidOperationException($"The {typeof(TContext).Name} pipeline ended without a reply: its last step must decide the request.");
    }
}
