using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace OAuth2.Actors.Server.Tests;

/// <summary>
/// A stand-in for the Kubernetes API's pod list on loopback: it records each request (path and label selector) and answers a fixed list of four
/// pods (two running, one pending, one running but being deleted), or only <c>status</c>.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private const string Pods = """
        {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
          {"metadata":{"name":"oauth2-0"},"status":{"phase":"Running","podIP":"10.0.0.11"}},
          {"metadata":{"name":"oauth2-1"},"status":{"phase":"Running","podIP":"10.0.0.12"}},
          {"metadata":{"name":"oauth2-2"},"status":{"phase":"Pending"}},
          {"metadata":{"name":"oauth2-3","deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"phase":"Running","podIP":"10.0.0.13"}}
        ]}
        """;

    private readonly WebApplication _app;

    private FakeKubernetesApi(WebApplication app) => _app = app;

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<FakeKubernetesApi> Start(List<string> requests, int status = StatusCodes.Status200OK)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(async context =>
        {
            lock (requests)
            {
                requests.Add($"{context.Request.Path} labelSelector={context.Request.Query["labelSelector"]}");
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(status == StatusCodes.Status200OK ? Pods : """{"kind":"Status","status":"Failure","reason":"Forbidden","code":403}""");
        });
        await app.StartAsync();
        return new FakeKubernetesApi(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
