using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ReactorNet.Interop;

/// <summary>
/// Converts between .NET endpoints and native <c>sockaddr_in</c>, <c>sockaddr_in6</c> and
/// <c>sockaddr_un</c>. Callers pass a buffer of at least <see cref="MaxSize"/> bytes.
/// </summary>
internal static unsafe class SockAddr
{
    /// <summary>Large enough for any address family used here (<c>sockaddr_un</c> is 110).</summary>
    public const int MaxSize = 128;

    private const int SunPathOffset = 2;
    private const int SunPathMax = 108;

    /// <summary>The address family for <c>socket()</c>.</summary>
    public static int Family(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetwork } => Libc.AF_INET,
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } => Libc.AF_INET6,
        UnixDomainSocketEndPoint => Libc.AF_UNIX,
        _ => throw new ArgumentException($"Unsupported endpoint type {endPoint.GetType().Name} ({endPoint.AddressFamily}).", nameof(endPoint)),
    };

    /// <summary>Writes <paramref name="endPoint"/> to <paramref name="buffer"/>; returns its length.</summary>
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
            case UnixDomainSocketEndPoint unix:
                {
                    // The raw sun_path bytes, not ToString(): that shows an abstract name ("\0name")
                    // as "@name", which would bind a file called "@name" in the current directory.
                    // A path comes with its NUL terminator; an abstract name is exactly as long as it is.
                    ReadOnlySpan<byte> path = SunPath(unix);
                    if (path.Length > SunPathMax)
                    {
                        throw new ArgumentException($"Unix socket path is {path.Length} bytes; the kernel allows at most {SunPathMax}.", nameof(endPoint));
                    }
                    *(ushort*)buffer = Libc.AF_UNIX;
                    path.CopyTo(new Span<byte>(buffer + SunPathOffset, path.Length));
                    return (uint)(SunPathOffset + path.Length);
                }
            default:
                Family(endPoint); // throws the clear error
                return 0;
        }
    }

    /// <summary>Whether <paramref name="endPoint"/> names an abstract socket (leading NUL: no file in the filesystem).</summary>
    public static bool IsAbstract(UnixDomainSocketEndPoint endPoint)
    {
        ReadOnlySpan<byte> path = SunPath(endPoint);
        return !path.IsEmpty && path[0] == 0;
    }

    /// <summary>The encoded <c>sun_path</c> bytes .NET keeps for the endpoint (terminator included for a path).</summary>
    private static ReadOnlySpan<byte> SunPath(UnixDomainSocketEndPoint endPoint)
    {
        SocketAddress raw = endPoint.Serialize();
        return raw.Buffer.Span[SunPathOffset..raw.Size];
    }

    /// <summary>Reads a native address of <paramref name="length"/> bytes.</summary>
    public static EndPoint? Read(byte* buffer, uint length)
    {
        if (length < 2)
        {
            return null;
        }
        switch (*(ushort*)buffer)
        {
            case Libc.AF_INET:
                return new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(buffer + 4, 4)), BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(buffer + 2, 2)));
            case Libc.AF_INET6:
                return new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(buffer + 8, 16), *(uint*)(buffer + 24)), BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(buffer + 2, 2)));
            case Libc.AF_UNIX:
                {
                    var path = new ReadOnlySpan<byte>(buffer + SunPathOffset, (int)length - SunPathOffset);
                    int nul = path.IndexOf((byte)0);
                    if (nul > 0)
                    {
                        path = path[..nul];
                    }
                    // A client that never bound has an unnamed address (no path at all).
                    return path.IsEmpty ? null : new UnixDomainSocketEndPoint(Encoding.UTF8.GetString(path));
                }
            default:
                return null;
        }
    }
}
