using System.Buffers;

namespace ReactorNet.Framing;

/// <summary>
/// Finds where one frame ends in a stream of bytes: the parsing half of a framing protocol, with
/// no state of its own, so one instance serves every connection. <see cref="FrameHandler"/> drives
/// it from <see cref="Tcp.IConnectionHandler.OnData"/>.
/// </summary>
public interface IFramer
{
    /// <summary>Looks for the first frame at the start of <paramref name="data"/>.</summary>
    /// <param name="data">Unconsumed input, starting at a frame boundary.</param>
    /// <param name="frame">Where the frame's content lies in <paramref name="data"/> (without prefix or delimiter).</param>
    /// <param name="consumed">How many bytes the frame takes in <paramref name="data"/>, framing included.</param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>: a whole frame; <see cref="OperationStatus.NeedMoreData"/>:
    /// not yet (nothing is consumed); <see cref="OperationStatus.InvalidData"/>: the frame is, or
    /// would be, longer than the framer's maximum.
    /// </returns>
    OperationStatus TryReadFrame(ReadOnlySpan<byte> data, out Range frame, out int consumed);
}
