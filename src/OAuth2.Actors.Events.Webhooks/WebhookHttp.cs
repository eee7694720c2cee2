using System.Net;
using System.Net.Sockets;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// The one HTTP handler of every delivery: no redirects followed, no cookies, no proxy, and a connect callback that
/// resolves the host itself and connects only to an address <see cref="WebhookNetworkPolicy"/> allows, so the check is
/// on the address actually connected to (a DNS answer that changes between a check and the connect gains nothing).
/// </summary>
public static class WebhookHttp
{
    public const string UserAgent = "OAuth2.Actors-Webhooks/1";

    public static SocketsHttpHandler CreateHandler(WebhookSettings settings) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = Math.Max(1, settings.MaxInFlight),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = settings.Timeout,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, settings.AllowPrivateNetworks, cancellationToken),
    };

    /// <summary>Connects to the first address of <paramref name="endpoint"/> that deliveries may reach; refuses when there is none.</summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        var allowed = addresses.Where(a => WebhookNetworkPolicy.Allows(a, allowPrivateNetworks)).ToArray();
        if (allowed.Length == 0)
        {
            var reason = addresses.Length == 0
                ? "the name resolved to no address"
                : string.Join("; ", addresses.Select(a => $"{a} is {WebhookNetworkPolicy.RefusalOf(a)}"));
            throw new WebhookAddressRefusedException(endpoint.Host, reason);
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
