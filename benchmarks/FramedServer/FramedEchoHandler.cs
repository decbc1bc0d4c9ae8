using System.Buffers.Binary;
using ReactorNet.Tcp;

namespace ReactorNet.Benchmarks.Framed;

/// <summary>
/// One connection of the framed server: each request (4-byte big-endian length, then the payload)
/// is answered by the same frame with <see cref="TcpConnection.TrySend(ReadOnlySpan{byte})"/>,
/// which on the loop thread only gathers it: the replies to the requests of one read leave in one
/// write. With <c>flushEach</c> every reply is written by itself (the one-send-per-reply baseline).
/// A partial frame is left unconsumed: the transport presents it again with the next bytes.
/// </summary>
/// <remarks>One instance per connection: the request count is this connection's, added to the totals when it closes.</remarks>
internal sealed class FramedEchoHandler(int maxFrameLength, bool flushEach, FrameTotals totals) : IConnectionHandler
{
    private const int PrefixLength = 4;
    private long _requests;

    public void OnConnected(TcpConnection connection)
    {
    }

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(connection);
        int consumed = 0;
        while (data.Length - consumed >= PrefixLength && !connection.IsClosed)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[consumed..]);
            if (length > (uint)maxFrameLength)
            {
                connection.Abort(); // a bad prefix: nothing after it can be framed
                return data.Length;
            }
            int frame = PrefixLength + (int)length;
            if (data.Length - consumed < frame)
            {
                break; // a partial frame: the transport keeps it for the next call
            }
            connection.TrySend(data.Slice(consumed, frame)); // the reply is the request frame itself
            if (flushEach)
            {
                connection.Flush();
            }
            consumed += frame;
            _requests++;
        }
        return connection.IsClosed ? data.Length : consumed;
    }

    public void OnInputShutdown(TcpConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.Close();
    }

    public void OnWritabilityChanged(TcpConnection connection, bool writable)
    {
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        ArgumentNullException.ThrowIfNull(connection);
        totals.Add(_requests, connection.WriteCalls);
    }
}
