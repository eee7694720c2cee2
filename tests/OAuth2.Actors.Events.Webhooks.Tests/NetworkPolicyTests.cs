using System.Net;
using System.Net.Sockets;
using OAuth2.Actors.Events.Webhooks;

namespace OAuth2.Actors.Events.Webhooks.Tests;

public sealed class NetworkPolicyTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.168.1.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:192.168.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::")]
    public void Private_loopback_link_local_and_metadata_addresses_are_refused(string address)
    {
        Assert.NotNull(WebhookNetworkPolicy.RefusalOf(IPAddress.Parse(address)));
        Assert.False(WebhookNetworkPolicy.Allows(IPAddress.Parse(address), allowPrivateNetworks: false));
        Assert.True(WebhookNetworkPolicy.Allows(IPAddress.Parse(address), allowPrivateNetworks: true));
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.0.1.1")]
    [InlineData("198.20.0.0")]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.Null(WebhookNetworkPolicy.RefusalOf(IPAddress.Parse(address)));

    [Fact]
    public async Task A_connect_to_a_loopback_listener_is_refused_before_any_byte_is_sent_unless_private_networks_are_allowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(async () =>
            await WebhookHttp.ConnectAsync(new DnsEndPoint("localhost", port), allowPrivateNetworks: false, CancellationToken.None));
        Assert.Contains("loopback", refused.Message, StringComparison.Ordinal);
        Assert.False(listener.Pending());

        await using var stream = await WebhookHttp.ConnectAsync(new DnsEndPoint("127.0.0.1", port), allowPrivateNetworks: true, CancellationToken.None);
        using var accepted = await listener.AcceptTcpClientAsync();
        Assert.True(accepted.Connected);
    }
}
