using System.Diagnostics;
using OAuth2.Actors.Protocol;

namespace OAuth2.Actors.Server.Endpoints;

/// <summary>One correlation id per HTTP request: taken from <c>X-Correlation-ID</c> when well-formed, echoed back.</summary>
public static class Correlation
{
    public const string Header = "X-Correlation-ID";
    private const string ItemKey = "oauth2.correlation";

    /// <summary>Sets the request's correlation id, echoes it, and puts it in the log scope of everything logged for the request (as <c>CorrelationId</c>).</summary>
    public static IApplicationBuilder UseCorrelation(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Correlation));
        return app.Use(async (context, next) =>
        {
            var incoming = context.Request.Headers[Header];
            var id = incoming.Count == 1 && IsAcceptable(incoming[0]!) ? incoming[0]! : Guid.NewGuid().ToString();
            context.Items[ItemKey] = id;
            context.Response.Headers[Header] = id;
            using (logger.BeginScope(new CorrelationScope(id)))
            {
                await next(context);
            }
        });
    }

    public static RequestContext ToRequestContext(this HttpContext context)
    {
        var activity = Activity.Current;
        return new RequestContext(
            context.Items[ItemKey] as string ?? Guid.NewGuid().ToString(),
            activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null,
            string.IsNullOrEmpty(activity?.TraceStateString) ? null : activity.TraceStateString,
            context.Connection.RemoteIpAddress?.ToString());
    }

    private static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= 128 && !value.AsSpan().ContainsAnyExcept(Allowed);

    private static readonly System.Buffers.SearchValues<char> Allowed =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    /// <summary>The log scope of a request: its correlation id, as a structured property.</summary>
    private sealed class CorrelationScope(string id) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] => index == 0 ? new("CorrelationId", id) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "CorrelationId:" + id;
    }
}
