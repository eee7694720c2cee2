using System.Net;
using System.Net.Sockets;

namespace OAuth2.Actors.Events.Webhooks;

/// <summary>
/// SSRF protection: which addresses a delivery may connect to. Refused unless OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS is
/// on: "this network" 0.0.0.0/8, 10/8, 100.64/10 (carrier-grade NAT), loopback 127/8, link-local 169.254/16 (cloud
/// metadata 169.254.169.254 among them), 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, multicast 224/4, reserved 240/4
/// and broadcast; IPv6 ::, ::1, unique-local fc00::/7 (AWS metadata fd00:ec2::254 among them), link-local fe80::/10,
/// site-local fec0::/10, multicast ff00::/8; and the IPv4 forms of those embedded in IPv6 (mapped ::ffff:0:0/96,
/// compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16).
/// </summary>
public static class WebhookNetworkPolicy
{
    private static readonly (uint Network, int Prefix, string Name)[] RefusedV4 =
    [
        (0x00000000, 8, "this network (0.0.0.0/8)"),
        (0x0A000000, 8, "private (10.0.0.0/8)"),
        (0x64400000, 10, "carrier-grade NAT (100.64.0.0/10)"),
        (0x7F000000, 8, "loopback (127.0.0.0/8)"),
        (0xA9FE0000, 16, "link-local or metadata (169.254.0.0/16)"),
        (0xAC100000, 12, "private (172.16.0.0/12)"),
        (0xC0000000, 24, "IETF protocol assignments (192.0.0.0/24)"),
        (0xC0A80000, 16, "private (192.168.0.0/16)"),
        (0xC6120000, 15, "benchmarking (198.18.0.0/15)"),
        (0xE0000000, 4, "multicast (224.0.0.0/4)"),
        (0xF0000000, 4, "reserved or broadcast (240.0.0.0/4)"),
    ];

    /// <summary>Why a delivery may not connect to <paramref name="address"/>, or null when it may (a public address).</summary>
    public static string? RefusalOf(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return RefusalOfV4(V4(address));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (address.Equals(IPAddress.IPv6None))
        {
            return "unspecified (::)";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "loopback (::1)";
        }

        if ((bytes[0] & 0xFE) == 0xFC)
        {
            return "unique-local (fc00::/7)";
        }

        if (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80)
        {
            return "link-local (fe80::/10)";
        }

        if (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0xC0)
        {
            return "site-local (fec0::/10)";
        }

        if (bytes[0] == 0xFF)
        {
            return "multicast (ff00::/8)";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return Embedded(RefusalOfV4(V4(address.MapToIPv4())), "IPv4-mapped");
        }

        if (IsZero(bytes[..12]))
        {
            // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks).
            return Embedded(RefusalOfV4(ReadV4(bytes[12..])), "IPv4-compatible");
        }

        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B && IsZero(bytes[4..12]))
        {
            return Embedded(RefusalOfV4(ReadV4(bytes[12..])), "NAT64");
        }

        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            return Embedded(RefusalOfV4(ReadV4(bytes[2..6])), "6to4");
        }

        return null;
    }

    /// <summary>True when a delivery may connect to <paramref name="address"/> under <paramref name="allowPrivateNetworks"/>.</summary>
    public static bool Allows(IPAddress address, bool allowPrivateNetworks) => allowPrivateNetworks || RefusalOf(address) is null;

    private static string? RefusalOfV4(uint value)
    {
        if (value == 0xFFFFFFFF)
        {
            return "broadcast (255.255.255.255)";
        }

        foreach (var (network, prefix, name) in RefusedV4)
        {
            var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
            if ((value & mask) == network)
            {
                return name;
            }
        }

        return null;
    }

    private static string? Embedded(string? refusal, string form) => refusal is null ? null : $"{form} {refusal}";

    private static uint V4(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return ReadV4(bytes);
    }

    private static uint ReadV4(ReadOnlySpan<byte> bytes) => ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];

    private static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}

/// <summary>A delivery was not sent: every address the host resolved to is on a network deliveries may not reach.</summary>
public sealed class WebhookAddressRefusedException(string host, string reason)
    : IOException($"Refused to connect to {host}: {reason} (OAUTH2_WEBHOOKS_ALLOW_PRIVATE_NETWORKS is off)")
{
    public string Host { get; } = host;

    public string Reason { get; } = reason;
}
