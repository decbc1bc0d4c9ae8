using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace ReactorNet.Interop;

/// <summary>
/// <c>sockaddr_un</c> for <see cref="SockAddr"/>. Apart because <see cref="UnixDomainSocketEndPoint"/>
/// lives in System.Net.Sockets: the JIT loads an assembly when it compiles (or inlines) a method
/// naming one of its types, so these methods are never inlined, and a server on an IP endpoint
/// never loads that assembly (its touched pages cost resident memory: issue #10).
/// </summary>
internal static unsafe class UnixSockAddr
{
    private const int SunPathOffset = 2;
    private const int SunPathMax = 108;

    /// <summary>Whether <paramref name="endPoint"/> is a Unix-socket endpoint this library can write.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool Is(EndPoint endPoint) => endPoint is UnixDomainSocketEndPoint;

    /// <summary>Writes a Unix-socket endpoint to <paramref name="buffer"/> (cleared, <see cref="SockAddr.MaxSize"/> bytes); returns its length.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint Write(EndPoint endPoint, byte* buffer)
    {
        // The raw sun_path bytes, not ToString(): that shows an abstract name ("\0name")
        // as "@name", which would bind a file called "@name" in the current directory.
        // A path comes with its NUL terminator; an abstract name is exactly as long as it is.
        ReadOnlySpan<byte> path = SunPath((UnixDomainSocketEndPoint)endPoint);
        if (path.Length > SunPathMax)
        {
            throw new ArgumentException($"Unix socket path is {path.Length} bytes; the kernel allows at most {SunPathMax}.", nameof(endPoint));
        }
        *(ushort*)buffer = Libc.AF_UNIX;
        path.CopyTo(new Span<byte>(buffer + SunPathOffset, path.Length));
        return (uint)(SunPathOffset + path.Length);
    }

    /// <summary>Whether <paramref name="endPoint"/> names an abstract socket (leading NUL: no file in the filesystem).</summary>
    public static bool IsAbstract(UnixDomainSocketEndPoint endPoint)
    {
        ReadOnlySpan<byte> path = SunPath(endPoint);
        return !path.IsEmpty && path[0] == 0;
    }

    /// <summary>Reads a native <c>sockaddr_un</c> of <paramref name="length"/> bytes (at least 2); null for an unnamed socket.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static EndPoint? Read(byte* buffer, uint length)
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

    /// <summary>The encoded <c>sun_path</c> bytes .NET keeps for the endpoint (terminator included for a path).</summary>
    private static ReadOnlySpan<byte> SunPath(UnixDomainSocketEndPoint endPoint)
    {
        SocketAddress raw = endPoint.Serialize();
        return raw.Buffer.Span[SunPathOffset..raw.Size];
    }
}
