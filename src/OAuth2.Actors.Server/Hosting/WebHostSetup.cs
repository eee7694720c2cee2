using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Server.Pages;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// Kestrel, the session cookie, CSRF and the DataProtection key ring, each configured from the validated
/// <see cref="OAuth2Options"/> (never from configuration read before validation).
/// </summary>
public static class WebHostSetup
{
    public static WebApplicationBuilder AddOAuth2WebHost(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(configuration["urls"]))
        {
            // The one setting needed before the container exists: validated here by the same rules as at start.
            var options = Validated(configuration.Get<OAuth2Options>() ?? new OAuth2Options());
            builder.WebHost.UseUrls(TelemetrySetup.Urls($"http://{UrlHost(options.Host)}:{options.Port}", UrlHost(options.Host), options.MetricsPort));
        }

        var services = builder.Services;

        // Rate limits (RateLimiting.cs): registered here, placed in the pipeline by UseOAuth2RateLimits.
        services.AddOAuth2RateLimits();

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<OAuth2Options>>((kestrel, options) =>
        {
            kestrel.AddServerHeader = false;

            // The endpoints enforce OAUTH2_MAX_REQUEST_BODY_BYTES themselves so they can answer in their own error format.
            kestrel.Limits.MaxRequestBodySize = Math.Max(options.Value.MaxRequestBodyBytes * 2L, 1024 * 1024);
        });

        // Session cookies and CSRF tokens are protected by keys kept in the server's database: they survive a restart,
        // and every node of a cluster reads what another node wrote. With a key-encryption key they are stored encrypted.
        services.AddDataProtection().SetApplicationName("oauth2-actors");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<OAuth2Options>, ServerSettings>((keys, options, settings) =>
        {
            keys.XmlRepository = new DatabaseXmlRepository(DatabaseSettings.From(options.Value), settings.KeyEncryption);
            if (settings.KeyEncryption is { } kek)
            {
                keys.XmlEncryptor = new KekXmlEncryptor(kek);
            }
        });
        services.AddHostedService<KeyEncryptionStartup>();
        // The keys admin API's way to the signing-key entity (KeyEndpoints).
        services.AddSingleton<ISigningKeyGateway, SigningKeyGateway>();

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme).Configure<IOptions<OAuth2Options>>((o, options) =>
        {
            // __Host-: the browser keeps it only if Secure, from this very host, for path / (no subdomain can set or shadow it).
            o.Cookie.Name = options.Value.IssuesOverHttps ? "__Host-oauth2.session" : "oauth2.session";
            o.Cookie.Path = "/";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = SecurePolicy(options.Value);
            o.LoginPath = BrowserEndpoints.LoginPath;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromSeconds(options.Value.SessionIdleTimeoutSeconds);
            o.Events = new BrowserSessions(TimeSpan.FromSeconds(options.Value.SessionAbsoluteLifetimeSeconds));
        });
        services.AddAntiforgery();
        services.AddOptions<AntiforgeryOptions>().Configure<IOptions<OAuth2Options>>((o, options) =>
        {
            o.Cookie.Name = options.Value.IssuesOverHttps ? "__Host-oauth2.csrf" : "oauth2.csrf";
            o.Cookie.Path = "/";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;

            // Not a credential (it only pairs a form with its browser), and antiforgery refuses to run over http with
            // Always: Secure on https issuers, so the pages of an http issuer still answer (their session cookie is Secure).
            o.Cookie.SecurePolicy = options.Value.IssuesOverHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
            o.SuppressXFrameOptionsHeader = true;
        });
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = false;
            // The issuer decides (UseIssuerScheme): an https issuer on a loopback name is still an https issuer.
            o.ExcludedHosts.Clear();
        });
        return builder;
    }

    /// <summary>
    /// An https issuer is reached over https, even when TLS ends at a proxy in front of Kestrel: secure cookies need to
    /// know, and browsers are told to use https only from then on (HSTS, RFC 6797). Nothing of the kind for an http issuer.
    /// </summary>
    public static IApplicationBuilder UseIssuerScheme(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<OAuth2Options>>().Value.IssuesOverHttps)
        {
            app.Use((context, next) =>
            {
                context.Request.Scheme = Uri.UriSchemeHttps;
                return next(context);
            });
            app.UseHsts();
        }

        return app;
    }

    /// <summary>Secure always, except for an http issuer on loopback (a developer's machine, where the browser would drop it).</summary>
    private static CookieSecurePolicy SecurePolicy(OAuth2Options options) =>
        options.IssuesOverLoopbackHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    private static OAuth2Options Validated(OAuth2Options options)
    {
        var failures = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), failures, validateAllProperties: true);
        var messages = failures.Select(f => f.ErrorMessage ?? "invalid setting").ToList();
        if (new OAuth2OptionsValidator().Validate(null, options) is { Failed: true } result)
        {
            messages.AddRange(result.Failures);
        }

        return messages.Count == 0 ? options : throw new OptionsValidationException(Options.DefaultName, typeof(OAuth2Options), messages);
    }

    private static string UrlHost(string host) => IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
}
