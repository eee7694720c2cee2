using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OAuth2.Actors.Protocol;

/// <summary>
/// UUIDs from the operating system's CSPRNG, drawn 4 KiB at a time per thread. <see cref="Guid.NewGuid"/> and
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> make one <c>getrandom</c> system call per UUID, and a token request
/// needs four (its correlation id, its <c>jti</c> and its two events' ids): that was about 2% of the token endpoint's CPU.
/// The bits are the same CSPRNG's; only the system calls are shared.
/// </summary>
public static class RandomIds
{
    private const int BufferBytes = 4096;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static int t_next;

    /// <summary>A random (version 4) UUID, RFC 9562 section 5.4.</summary>
    public static Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random(bytes);
        bytes[6] = (byte)(0x40 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// A version 7 UUID, RFC 9562 section 5.7: the Unix time in milliseconds of <paramref name="timestamp"/> in the first
    /// 48 bits, then 74 random bits. <paramref name="timestamp"/> must not be before 1970.
    /// </summary>
    public static Guid NewVersion7(DateTimeOffset timestamp)
    {
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(timestamp));
        Span<byte> bytes = stackalloc byte[16];
        Random(bytes[6..]);
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, milliseconds);
        time[2..].CopyTo(bytes);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    private static void Random(Span<byte> destination)
    {
        var buffer = t_buffer;
        if (buffer is null || t_next + destination.Length > BufferBytes)
        {
            buffer = t_buffer ??= new byte[BufferBytes];
            RandomNumberGenerator.Fill(buffer);
            t_next = 0;
        }

        var drawn = buffer.AsSpan(t_next, destination.Length);
        drawn.CopyTo(destination);
        // Drawn bits are not left behind in memory.
        drawn.Clear();
        t_next += destination.Length;
    }
}
