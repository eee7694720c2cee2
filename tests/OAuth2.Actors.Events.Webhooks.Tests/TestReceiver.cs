using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OAuth2.Actors.Events.Webhooks.Tests;

/// <summary>
/// A real Kestrel receiver on 127.0.0.1 (port 0) that records each request and answers by path: <c>/ok</c> 204,
/// <c>/redirect</c> 302 to <c>/target</c>, <c>/gone</c> 410, <c>/throttle</c> 429 with Retry-After: 3, <c>/fail</c> 500,
/// <c>/fail-then-ok/{n}</c> 500 n times then 200, <c>/slow</c> 204 after 1.5 s, <c>/hang</c> no answer for 30 s.
/// </summary>
internal sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    private TestReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public IReadOnlyList<Received> Requests => _received.ToArray();

    public static async Task<TestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new TestReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public string Url(string path) => BaseUrl + path;

    public IReadOnlyList<Received> For(string path) => Requests.Where(r => r.Path == path).ToArray();

    /// <summary>Waits (with a deadline) until <paramref name="count"/> requests reached <paramref name="path"/>.</summary>
    public async Task<IReadOnlyList<Received>> WaitFor(string path, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (For(path).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} received {For(path).Count} request(s), not {count}");
            }

            await Task.Delay(20);
        }

        return For(path);
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var path = http.Request.Path.Value ?? "/";
        var headers = new HeaderDictionary();
        foreach (var (name, value) in http.Request.Headers)
        {
            headers[name] = value;
        }

        _received.Enqueue(new Received(path, headers, body.ToArray(), DateTimeOffset.UtcNow));
        var count = _counts.AddOrUpdate(path, 1, (_, n) => n + 1);
        switch (path)
        {
            case "/ok":
            case "/target":
                http.Response.StatusCode = 204;
                break;
            case "/redirect":
                http.Response.StatusCode = 302;
                http.Response.Headers.Location = Url("/target");
                break;
            case "/gone":
                http.Response.StatusCode = 410;
                break;
            case "/throttle":
                http.Response.StatusCode = 429;
                http.Response.Headers.RetryAfter = "3";
                break;
            case "/slow":
                await Task.Delay(TimeSpan.FromMilliseconds(1500));
                http.Response.StatusCode = 204;
                break;
            case "/hang":
                await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case var p when p.StartsWith("/fail-then-ok/", StringComparison.Ordinal):
                var failures = int.Parse(p["/fail-then-ok/".Length..], System.Globalization.CultureInfo.InvariantCulture);
                http.Response.StatusCode = count <= failures ? 500 : 200;
                await http.Response.WriteAsync(count <= failures ? "not yet" : "thanks");
                break;
            default:
                http.Response.StatusCode = 500;
                await http.Response.WriteAsync(new string('x', 3000));
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Received(string Path, IHeaderDictionary Headers, byte[] Body, DateTimeOffset At)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Body);
    }
}
