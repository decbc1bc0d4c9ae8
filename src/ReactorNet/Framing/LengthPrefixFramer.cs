using System.Buffers;
using System.Buffers.Binary;

namespace ReactorNet.Framing;

/// <summary>
/// Frames that start with their length: an unsigned big-endian prefix of 1, 2 or 4 bytes (network
/// order, as most binary protocols) counting the bytes that follow it.
/// </summary>
public sealed class LengthPrefixFramer : IFramer
{
    /// <summary>Creates a framer.</summary>
    /// <param name="prefixLength">1, 2 or 4 bytes; default 4.</param>
    /// <param name="maxFrameLength">The longest content accepted (default 1 MiB); a longer announced length is <see cref="OperationStatus.InvalidData"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">Another prefix length, or a maximum that is not positive.</exception>
    public LengthPrefixFramer(int prefixLength = 4, int maxFrameLength = 1024 * 1024)
    {
        if (prefixLength is not (1 or 2 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, "Must be 1, 2 or 4.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameLength);
        PrefixLength = prefixLength;
        MaxFrameLength = maxFrameLength;
    }

    /// <summary>Bytes in the length prefix.</summary>
    public int PrefixLength { get; }

    /// <summary>The longest frame content accepted.</summary>
    public int MaxFrameLength { get; }

    /// <inheritdoc />
    public OperationStatus TryReadFrame(ReadOnlySpan<byte> data, out Range frame, out int consumed)
    {
        frame = default;
        consumed = 0;
        if (data.Length < PrefixLength)
        {
            return OperationStatus.NeedMoreData;
        }
        uint length = PrefixLength switch
        {
            1 => data[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(data),
            _ => BinaryPrimitives.ReadUInt32BigEndian(data),
        };
        if (length > (uint)MaxFrameLength)
        {
            return OperationStatus.InvalidData; // decided from the prefix: the peer need not send the rest
        }
        if (data.Length - PrefixLength < (int)length)
        {
            return OperationStatus.NeedMoreData;
        }
        frame = new Range(PrefixLength, PrefixLength + (int)length);
        consumed = PrefixLength + (int)length;
        return OperationStatus.Done;
    }

    /// <summary>Writes the prefix for <paramref name="length"/> bytes of content (for the sending side).</summary>
    /// <param name="destination">At least <see cref="PrefixLength"/> bytes.</param>
    /// <param name="length">The content's length.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or does not fit the prefix.</exception>
    public void WritePrefix(Span<byte> destination, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        switch (PrefixLength)
        {
            case 1:
                ArgumentOutOfRangeException.ThrowIfGreaterThan(length, byte.MaxValue);
                destination[0] = (byte)length;
                break;
            case 2:
                ArgumentOutOfRangeException.ThrowIfGreaterThan(length, ushort.MaxValue);
                BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)length);
                break;
            default:
                BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)length);
                break;
        }
    }
}
