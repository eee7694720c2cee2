using System.Diagnostics;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>One correlation id per HTTP request: taken from <c>X-Correlation-ID</c> when well-formed, echoed back.</summary>
public static class Correlation
{
    public const string Header = "X-Correlation-ID";
    private const string ItemKey = "oauth2.correlation";

    /// <summary>The request's tag (on its ASP.NET Core span) naming its correlation id: in its traces, and in the scope of its log lines.</summary>
    public const string Tag = "correlation_id";

    /// <summary>Sets the request's correlation id, echoes it, and tags the request's span with it (<see cref="Tag"/>).</summary>
    public static IApplicationBuilder UseCorrelation(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var incoming = context.Request.Headers[Header];
        var id = incoming.Count == 1 && IsAcceptable(incoming[0]!) ? incoming[0]! : RandomIds.NewGuid().ToString();
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        Activity.Current?.SetTag(Tag, id);
        return next(context);
    });

    public static RequestContext ToRequestContext(this HttpContext context)
    {
        var activity = Activity.Current;
        return new RequestContext(
            context.Items[ItemKey] as string ?? RandomIds.NewGuid().ToString(),
            activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null,
            string.IsNullOrEmpty(activity?.TraceStateString) ? null : activity.TraceStateString,
            context.Connection.RemoteIpAddress?.ToString());
    }

    private static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= 128 && !value.AsSpan().ContainsAnyExcept(Allowed);

    private static readonly System.Buffers.SearchValues<char> Allowed =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");
}
