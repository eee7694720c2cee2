namespace OAuth2.Actors.Server.Pages.Admin;

/// <summary>
/// The admin console under <c>/admin</c>: server-rendered pages for signed-in users with the admin role (the sign-in
/// pages' rules: no external assets, a strict CSP, a CSRF token on every form), over the same gateways as the admin APIs.
/// </summary>
public static class AdminConsole
{
    public static IServiceCollection AddAdminConsole(this IServiceCollection services)
    {
        services.AddSingleton<ConsoleRates>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsoleRates>());
        return services;
    }

    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app) =>
        app.MapConsoleDashboard().MapConsoleLiveEvents().MapConsoleClients().MapConsoleUsers().MapConsoleWebhooks().MapConsoleKeys();
}
