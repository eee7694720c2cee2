using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OAuth2.Actors.Server.Pages;

namespace OAuth2.Actors.Server.Hosting;

/// <summary>
/// Kestrel, the session cookie, CSRF and the DataProtection key ring, each configured from the validated
/// <see cref="OAuth2Options"/> (never from configuration read before validation).
/// </summary>
public static class WebHostSetup
{
    public static IServiceCollection AddOAuth2WebHost(this IServiceCollection services, IConfiguration configuration)
    {
        var urlsGiven = !string.IsNullOrEmpty(configuration["ASPNETCORE_URLS"]) || !string.IsNullOrEmpty(configuration["urls"]);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<OAuth2Options>>((kestrel, options) =>
        {
            kestrel.AddServerHeader = false;

            // The endpoints enforce OAUTH2_MAX_REQUEST_BODY_BYTES themselves so they can answer in their own error format.
            kestrel.Limits.MaxRequestBodySize = Math.Max(options.Value.MaxRequestBodyBytes * 2L, 1024 * 1024);
            if (!urlsGiven)
            {
                Listen(kestrel, options.Value.Host, options.Value.Port);
            }
        });

        // Session cookies and CSRF tokens are protected by keys kept beside the data, so sessions survive a restart.
        services.AddDataProtection().SetApplicationName("oauth2-actors");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<OAuth2Options>, ILoggerFactory>((keys, options, logs) =>
            keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "keys")), logs));

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme).Configure<IOptions<OAuth2Options>>((o, options) =>
        {
            o.Cookie.Name = "oauth2.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = SecurePolicy(options.Value);
            o.LoginPath = BrowserEndpoints.LoginPath;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
        });
        services.AddAntiforgery();
        services.AddOptions<AntiforgeryOptions>().Configure<IOptions<OAuth2Options>>((o, options) =>
        {
            o.Cookie.Name = "oauth2.csrf";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = SecurePolicy(options.Value);
            o.FormFieldName = "__csrf";
            o.SuppressXFrameOptionsHeader = true;
        });
        return services;
    }

    /// <summary>An https issuer is reached over https, even when TLS ends at a proxy in front of Kestrel: secure cookies need to know.</summary>
    public static IApplicationBuilder UseIssuerScheme(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<OAuth2Options>>().Value.IssuesOverHttps)
        {
            app.Use((context, next) =>
            {
                context.Request.Scheme = Uri.UriSchemeHttps;
                return next(context);
            });
        }

        return app;
    }

    private static CookieSecurePolicy SecurePolicy(OAuth2Options options) =>
        options.IssuesOverHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;

    private static void Listen(KestrelServerOptions kestrel, string host, int port)
    {
        // As Kestrel treats a URL's host: an address binds to it, localhost to loopback, any other name to every interface.
        if (host == "localhost")
        {
            kestrel.ListenLocalhost(port);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            kestrel.Listen(address, port);
        }
        else
        {
            kestrel.ListenAnyIP(port);
        }
    }
}
