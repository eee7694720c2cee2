using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// Rate limits and their place in the pipeline (ASP.NET Core's rate limiter): sign-in attempts and open registrations
/// per source address through the middleware's global limiter; failed client authentications per source address
/// counted after the answer (successful ones are never limited); ingestion per client by the ingest endpoint once it
/// knows the client (<see cref="RateLimitPolicies.MayIngest"/>). Limits are per node.
/// </summary>
public static class RateLimiting
{
    private static readonly PathString[] ClientAuthenticatingPaths = ["/oauth/token", "/oauth/introspect", "/oauth/revoke"];

    public static IServiceCollection AddOAuth2RateLimits(this IServiceCollection services)
    {
        services.AddSingleton<RateLimitPolicies>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<RateLimitPolicies>((o, policies) =>
        {
            o.GlobalLimiter = policies.Requests;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) =>
            {
                var kind = context.HttpContext.Items[RateLimitPolicies.KindItem] is RateLimitKind k ? k : RateLimitKind.SignIn;
                var perMinute = kind == RateLimitKind.OpenRegistration ? policies.RegistrationsPerMinute : policies.SignInPerMinute;
                return new ValueTask(RateLimitResponses.Write(context.HttpContext, kind, RateLimitPolicies.RetryAfter(context.Lease, perMinute)));
            };
        });
        services.AddHostedService<SignInSettingsWarning>();
        return services;
    }

    /// <summary>After correlation (a refused request still carries its id), before any endpoint.</summary>
    public static IApplicationBuilder UseOAuth2RateLimits(this IApplicationBuilder app)
    {
        var policies = app.ApplicationServices.GetRequiredService<RateLimitPolicies>();
        if (policies.DetectsPasswordGrant)
        {
            app.UseMiddleware<PasswordGrantDetector>();
        }

        if (policies.SignInPerMinute > 0 || policies.RegistrationsPerMinute > 0)
        {
            app.UseRateLimiter();
        }

        if (policies.ClientAuthFailuresPerMinute > 0)
        {
            app.Use(async (http, next) =>
            {
                if (!HttpMethods.IsPost(http.Request.Method) || !ClientAuthenticatingPaths.Any(p => http.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase)))
                {
                    await next(http);
                    return;
                }

                if (!policies.MayAuthenticateClient(http, out var retryAfter))
                {
                    await RateLimitResponses.Write(http, RateLimitKind.ClientAuthFailure, retryAfter);
                    return;
                }

                await next(http);
                if (http.Response.StatusCode == StatusCodes.Status401Unauthorized)
                {
                    // These endpoints answer 401 only for invalid_client: a failed client authentication.
                    policies.RecordClientAuthFailure(http);
                }
            });
        }

        return app;
    }
}

/// <summary>
/// Marks token requests of the password grant (a password hash each) so the sign-in limit counts them: the form is read
/// into a rewindable buffer (the endpoint reads it again), up to the body limit; a larger body is refused by the endpoint.
/// Only in the pipeline when the password grant and the sign-in limit are both on.
/// </summary>
public sealed class PasswordGrantDetector(RequestDelegate next, IOptions<OAuth2Options> options)
{
    public const string Item = "oauth2.password-grant";
    private readonly int _limit = options.Value.MaxRequestBodyBytes;

    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.Equals("/oauth/token", StringComparison.OrdinalIgnoreCase)
            && request.HasFormContentType && request.ContentLength is null or > 0 && !(request.ContentLength > _limit))
        {
            request.EnableBuffering(_limit + 1);
            try
            {
                using var reader = new FormReader(request.Body, System.Text.Encoding.UTF8) { ValueLengthLimit = _limit, KeyLengthLimit = 1024, ValueCountLimit = 1024 };
                var form = await reader.ReadFormAsync(http.RequestAborted);
                if (form.TryGetValue("grant_type", out var grant) && grant.Contains("password"))
                {
                    http.Items[Item] = true;
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
            {
                // Malformed or too large: the endpoint answers it.
            }
            finally
            {
                request.Body.Position = 0;
            }
        }

        await next(http);
    }
}
