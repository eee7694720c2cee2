using OAuth2.Actors.Auth;
using OAuth2.Actors.Auth.Bearer;
using OAuth2.Actors.Clients;

namespace OAuth2.Actors.Resources;

public enum ResourceAdminOperation
{
    Create,
    List,
    Read,
    Replace,
    Delete,
}

/// <summary>A resource server as an admin sent it (unvalidated): its URI, the scopes it accepts, the client it introspects as.</summary>
public sealed record ResourceServerInput(string? Resource, IReadOnlyList<string>? Scopes, string? ClientId);

/// <summary>A request to <c>/admin/api/resources</c>, from the host to the AuthActor.</summary>
public sealed record ResourceAdminRequest(
    PresentedAuthorization Authorization,
    ResourceAdminOperation Operation,
    string? Id,
    ResourceServerInput? Input,
    RequestContext Context) : INoSerializationVerificationNeeded, IEndpointRequest;

/// <summary>One resource server (created, read or replaced).</summary>
public sealed record ResourceServerAnswer(ResourceServer Server) : OAuthReply, INoSerializationVerificationNeeded;

public sealed record ResourceServerList(IReadOnlyList<ResourceServer> Servers) : OAuthReply, INoSerializationVerificationNeeded;

public sealed record ResourceServerRemovedAnswer(string Id) : OAuthReply, INoSerializationVerificationNeeded;

/// <summary>A request to the resource-server admin API, checked for a token with scope <c>admin</c>.</summary>
public sealed class ResourceAdminContext(AuthServices services, ResourceAdminRequest request)
    : BearerEndpointContext(services, request.Context, request.Authorization, AdminScope)
{
    private static readonly string[] AdminScope = [Scopes.Admin];

    public ResourceAdminRequest Message { get; } = request;
}

/// <summary><c>/admin/api/resources</c>: register, list, read, replace and remove resource servers (answers are ProblemDetails).</summary>
public static class ResourceAdminEndpoint
{
    public const int MaxScopes = 100;

    private static readonly AdminFailure NoSuchResource = new(FailureKind.NotFound, "Not found", "No such resource server.");

    public static readonly EndpointPipeline<ResourceAdminContext> Pipeline = new(
        RequireActiveBearerToken<ResourceAdminContext>.Instance,
        RequireBearerScope<ResourceAdminContext>.Instance,
        new RunOperation());

    public sealed class RunOperation : IEndpointStep<ResourceAdminContext>
    {
        public async ValueTask Handle(ResourceAdminContext context)
        {
            var (services, request) = (context.Services, context.Message);
            var registry = services.ResourceRegistry;
            context.Complete(request.Operation switch
            {
                ResourceAdminOperation.List => new ResourceServerList((await services.AskIdempotent<CurrentResourceServers>(registry, GetResourceServers.Instance)).Servers),
                ResourceAdminOperation.Read => await Read(services, request.Id),
                ResourceAdminOperation.Create => await Save(services, request, id: null),
                ResourceAdminOperation.Replace => IsId(request.Id) ? await Save(services, request, request.Id) : NoSuchResource,
                ResourceAdminOperation.Delete => IsId(request.Id)
                    ? Answer(await services.Ask<object>(registry, new DeleteResourceServer(request.Id!, request.Context)))
                    : NoSuchResource,
                _ => throw new InvalidOperationException($"No resource admin operation {request.Operation}."),
            });
        }
    }

    private static async Task<OAuthReply> Read(AuthServices services, string? id)
    {
        if (!IsId(id))
        {
            return NoSuchResource;
        }

        var current = await services.AskIdempotent<CurrentResourceServers>(services.ResourceRegistry, GetResourceServers.Instance);
        return current.Servers.FirstOrDefault(s => s.Id == id) is { } server ? new ResourceServerAnswer(server) : NoSuchResource;
    }

    private static async Task<OAuthReply> Save(AuthServices services, ResourceAdminRequest request, string? id)
    {
        if (await Validate(services, request.Input) is not { } spec)
        {
            return await Problem(services, request.Input);
        }

        object message = id is null ? new CreateResourceServer(spec, request.Context) : new UpdateResourceServer(id, spec, request.Context);
        return Answer(await services.Ask<object>(services.ResourceRegistry, message));
    }

    private static OAuthReply Answer(object reply) => reply switch
    {
        ResourceServerSaved saved => new ResourceServerAnswer(saved.Server),
        ResourceServerDeleted deleted => new ResourceServerRemovedAnswer(deleted.Id),
        AdminFailure failure => failure,
        _ => throw new InvalidOperationException($"Unexpected answer from the resource registry: {reply.GetType().Name}."),
    };

    private static async Task<ResourceServerSpec?> Validate(AuthServices services, ResourceServerInput? input) =>
        await FirstProblem(services, input) is null ? new ResourceServerSpec(input!.Resource!, input.Scopes!.Distinct(StringComparer.Ordinal).ToArray(), input.ClientId!) : null;

    private static async Task<OAuthReply> Problem(AuthServices services, ResourceServerInput? input) =>
        new AdminFailure(FailureKind.BadRequest, "Invalid resource server", await FirstProblem(services, input) ?? "The resource server is not valid.");

    private static async Task<string?> FirstProblem(AuthServices services, ResourceServerInput? input)
    {
        if (input is null)
        {
            return "A JSON body with resource, scopes and client_id is required.";
        }

        if (input.Resource is null)
        {
            return "resource is required.";
        }

        if (ResourceIndicators.Problem(input.Resource) is { } problem)
        {
            return problem;
        }

        if (string.Equals(input.Resource.TrimEnd('/'), services.Settings.Issuer.TrimEnd('/'), StringComparison.Ordinal))
        {
            // The issuer is the audience of the server's own endpoints' tokens: a resource server there would let its
            // client introspect them all. (A default audience set to an API's URI is that API's to register.)
            return $"resource '{input.Resource}' is this server's issuer; register the resource server under its own URI.";
        }

        if (input.Scopes is not { Count: > 0 } scopes || scopes.Count > MaxScopes)
        {
            return $"scopes must list between 1 and {MaxScopes} scopes the resource server accepts.";
        }

        if (scopes.Any(s => s is null || !ScopeSyntax.TryParse(s, out var parsed) || parsed.Length != 1 || parsed[0] != s))
        {
            return "each of scopes must be one scope token (RFC 6749 3.3).";
        }

        if (input.ClientId is not { Length: > 0 and <= 200 } clientId)
        {
            return "client_id (the client the resource server introspects as) is required.";
        }

        var client = (await services.Ask<CurrentClient>(services.Clients, new GetClient(clientId))).Client;
        if (client is null)
        {
            return "client_id is not a registered client.";
        }

        return client.TokenEndpointAuthMethod == ClientAuthMethods.None
            ? "client_id is a public client, which cannot authenticate to the introspection endpoint."
            : null;
    }

    private static bool IsId(string? id) => id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
