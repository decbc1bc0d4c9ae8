using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ReactorNet.Interop;

/// <summary>
/// Converts between .NET endpoints and native <c>sockaddr_in</c>, <c>sockaddr_in6</c> and
/// <c>sockaddr_un</c>. Callers pass a buffer of at least <see cref="MaxSize"/> bytes.
/// </summary>
internal static unsafe class SockAddr
{
    /// <summary>Large enough for any address family used here (<c>sockaddr_un</c> is 110).</summary>
    public const int MaxSize = 128;

    /// <summary>The address family for <c>socket()</c>.</summary>
    public static int Family(EndPoint endPoint) => endPoint.AddressFamily switch
    {
        AddressFamily.InterNetwork when endPoint is IPEndPoint => Libc.AF_INET,
        AddressFamily.InterNetworkV6 when endPoint is IPEndPoint => Libc.AF_INET6,
        AddressFamily.Unix when UnixSockAddr.Is(endPoint) => Libc.AF_UNIX,
        _ => throw new ArgumentException($"Unsupported endpoint type {endPoint.GetType().Name} ({endPoint.AddressFamily}).", nameof(endPoint)),
    };

    /// <summary>Writes <paramref name="endPoint"/> to <paramref name="buffer"/>; returns its length.</summary>
    /// <remarks>
    /// Unix-socket endpoints are dispatched by address family to <see cref="UnixSockAddr"/>, never
    /// named here: their type lives in System.Net.Sockets, which a server on an IP endpoint then
    /// never loads (issue #10: every loaded assembly costs resident memory in a JIT process).
    /// </remarks>
    public static uint Write(EndPoint endPoint, byte* buffer)
    {
        new Span<byte>(buffer, MaxSize).Clear();
        switch (endPoint)
        {
            case IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetwork:
                *(ushort*)buffer = Libc.AF_INET;
                BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(buffer + 2, 2), (ushort)ip.Port);
                ip.Address.TryWriteBytes(new Span<byte>(buffer + 4, 4), out _);
                return 16;
            case IPEndPoint ip6 when ip6.AddressFamily == AddressFamily.InterNetworkV6:
                *(ushort*)buffer = Libc.AF_INET6;
                BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(buffer + 2, 2), (ushort)ip6.Port);
                ip6.Address.TryWriteBytes(new Span<byte>(buffer + 8, 16), out _);
                *(uint*)(buffer + 24) = (uint)ip6.Address.ScopeId;
                return 28;
            default:
                if (Family(endPoint) == Libc.AF_UNIX) // else throws the clear error
                {
                    return UnixSockAddr.Write(endPoint, buffer);
                }
                return 0;
        }
    }

    /// <summary>Reads a native address of <paramref name="length"/> bytes.</summary>
    public static EndPoint? Read(byte* buffer, uint length)
    {
        if (length < 2)
        {
            return null;
        }
        return *(ushort*)buffer switch
        {
            Libc.AF_INET => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(buffer + 4, 4)), BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(buffer + 2, 2))),
            Libc.AF_INET6 => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(buffer + 8, 16), *(uint*)(buffer + 24)), BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(buffer + 2, 2))),
            Libc.AF_UNIX => UnixSockAddr.Read(buffer, length),
            _ => null,
        };
    }
}
