using ReactorNet.Framing;
using ReactorNet.Tcp;

namespace ReactorNet.Benchmarks.Framed;

/// <summary>
/// One connection of the framed server: <see cref="LengthPrefixFramer"/> cuts the requests (4-byte
/// big-endian length, then the payload; a partial frame stays with the transport, a length past the
/// maximum resets the connection) and each is answered by the same frame with
/// <see cref="TcpConnection.TrySend(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>, which on the loop
/// thread only gathers it: the replies to the requests of one read leave in one write. With
/// <c>flushEach</c> every reply is written by itself (the one-send-per-reply baseline).
/// </summary>
/// <remarks>One instance per connection: the request count is this connection's, added to the totals when it closes.</remarks>
internal sealed class FramedEchoHandler(LengthPrefixFramer framer, bool flushEach, FrameTotals totals) : FrameHandler(framer)
{
    private long _requests;

    protected override void OnFrame(TcpConnection connection, ReadOnlySpan<byte> frame)
    {
        Span<byte> prefix = stackalloc byte[4];
        framer.WritePrefix(prefix, frame.Length);
        connection.TrySend(prefix[..framer.PrefixLength], frame); // the reply is the request frame itself
        if (flushEach)
        {
            connection.Flush();
        }
        _requests++;
    }

    public override void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        ArgumentNullException.ThrowIfNull(connection);
        totals.Add(_requests, connection.WriteCalls);
    }
}
