using System.Buffers;

namespace ReactorNet.Framing;

/// <summary>
/// Frames that end with a delimiter, e.g. <c>\n</c> or <c>\r\n</c> lines. The frame's content
/// excludes the delimiter.
/// </summary>
public sealed class DelimiterFramer : IFramer
{
    private readonly byte[] _delimiter;

    /// <summary>Creates a framer.</summary>
    /// <param name="delimiter">The bytes that end a frame (not empty).</param>
    /// <param name="maxFrameLength">The longest content accepted (default 64 KiB): once that many bytes arrived without a delimiter, <see cref="OperationStatus.InvalidData"/>.</param>
    /// <exception cref="ArgumentException">An empty delimiter.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A maximum that is not positive.</exception>
    public DelimiterFramer(ReadOnlySpan<byte> delimiter, int maxFrameLength = 64 * 1024)
    {
        if (delimiter.IsEmpty)
        {
            throw new ArgumentException("The delimiter must not be empty.", nameof(delimiter));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameLength);
        _delimiter = delimiter.ToArray();
        MaxFrameLength = maxFrameLength;
    }

    /// <summary>Lines ending in <c>\n</c> (a <c>\r</c> before it stays in the content).</summary>
    public static DelimiterFramer LineFeed { get; } = new("\n"u8);

    /// <summary>Lines ending in <c>\r\n</c>, as in RESP, HTTP headers, SMTP.</summary>
    public static DelimiterFramer CrLf { get; } = new("\r\n"u8);

    /// <summary>The delimiter.</summary>
    public ReadOnlySpan<byte> Delimiter => _delimiter;

    /// <summary>The longest frame content accepted.</summary>
    public int MaxFrameLength { get; }

    /// <inheritdoc />
    public OperationStatus TryReadFrame(ReadOnlySpan<byte> data, out Range frame, out int consumed)
    {
        // Search no further than a delimiter that ends a frame of the maximum length could reach.
        int window = (int)Math.Min(data.Length, (long)MaxFrameLength + _delimiter.Length);
        int end = data[..window].IndexOf(_delimiter);
        if (end >= 0)
        {
            frame = new Range(0, end);
            consumed = end + _delimiter.Length;
            return OperationStatus.Done;
        }
        frame = default;
        consumed = 0;
        return data.Length >= (long)MaxFrameLength + _delimiter.Length ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
    }
}
