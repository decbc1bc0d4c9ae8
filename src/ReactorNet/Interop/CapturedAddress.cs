using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace ReactorNet.Interop;

/// <summary>
/// A peer address as <c>accept4</c> reported it, kept without allocating for IPv4 (the address
/// and port packed in a number) and turned into an <see cref="EndPoint"/> only when someone asks.
/// An <see cref="IPEndPoint"/> and its <see cref="IPAddress"/> are 72 bytes of heap per
/// connection, and most servers never read them. Other families are kept as the endpoint itself.
/// </summary>
internal readonly unsafe struct CapturedAddress
{
    private const ulong IPv4Tag = 1UL << 48;

    private readonly EndPoint? _endPoint;
    private readonly ulong _ipv4; // IPv4Tag | port << 32 | the four address bytes in memory order; 0 for none

    public CapturedAddress(EndPoint? endPoint)
    {
        _endPoint = endPoint;
        _ipv4 = 0;
    }

    private CapturedAddress(ulong ipv4)
    {
        _endPoint = null;
        _ipv4 = ipv4;
    }

    /// <summary>Captures a native address of <paramref name="length"/> bytes (see <see cref="SockAddr.Read"/>).</summary>
    public static CapturedAddress Read(byte* buffer, uint length)
    {
        if (length >= 8 && *(ushort*)buffer == Libc.AF_INET)
        {
            ushort port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(buffer + 2, 2));
            uint address = MemoryMarshal.Read<uint>(new ReadOnlySpan<byte>(buffer + 4, 4));
            return new CapturedAddress(IPv4Tag | (ulong)port << 32 | address);
        }
        return new CapturedAddress(SockAddr.Read(buffer, length));
    }

    /// <summary>The endpoint: the one captured, or a new one built from the packed IPv4 address.</summary>
    public EndPoint? ToEndPoint()
    {
        if (_ipv4 == 0)
        {
            return _endPoint;
        }
        Span<byte> address = stackalloc byte[4];
        MemoryMarshal.Write(address, (uint)_ipv4); // the bytes as the kernel wrote them, whatever the byte order
        return new IPEndPoint(new IPAddress(address), (ushort)(_ipv4 >> 32));
    }
}
