using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Cluster.Tests;

/// <summary>
/// The load balancer in front of a test cluster: every request (not every connection) goes to the next node in
/// rotation, so a browser's sign-in, consent and redirect each land on a different node. Nodes taken out of rotation
/// (stopping, restarting) receive nothing, as behind a balancer that follows /ready.
/// </summary>
public sealed class RoundRobinProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _forward = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Lock _lock = new();
    private readonly List<ClusterNode> _rotation;
    private int _next;

    private RoundRobinProxy(WebApplication app, IEnumerable<ClusterNode> nodes, string url)
    {
        _app = app;
        _rotation = nodes.ToList();
        Url = url;
    }

    public string Url { get; }

    /// <summary>Which node answered each request, in order (for the tests to check the requests really hopped).</summary>
    public List<string> Served { get; } = [];

    public static async Task<RoundRobinProxy> Start(IEnumerable<ClusterNode> nodes, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var proxy = new RoundRobinProxy(app, nodes, $"http://127.0.0.1:{port}");
        app.Run(proxy.Forward);
        await app.StartAsync();
        return proxy;
    }

    public void TakeOut(ClusterNode node)
    {
        lock (_lock)
        {
            _rotation.Remove(node);
        }
    }

    public void PutBack(ClusterNode node)
    {
        lock (_lock)
        {
            if (!_rotation.Contains(node))
            {
                _rotation.Add(node);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }

    private async Task Forward(HttpContext context)
    {
        ClusterNode node;
        lock (_lock)
        {
            node = _rotation[_next++ % _rotation.Count];
            Served.Add(node.Name);
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), node.Url + context.Request.Path + context.Request.QueryString);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _forward.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
