using System.Buffers;
using ReactorNet.Tcp;

namespace ReactorNet.Framing;

/// <summary>
/// A connection handler that speaks in frames (Netty's ByteToMessageDecoder): it cuts the input
/// into frames with an <see cref="IFramer"/> and calls <see cref="OnFrame"/> once per whole frame,
/// in order. A partial frame stays with the transport (the consumed-count contract of
/// <see cref="IConnectionHandler.OnData"/>) until the rest arrives, so a frame split over any
/// number of reads and many frames coalesced into one read decode the same. A frame longer than
/// the framer's maximum resets the connection with <see cref="CloseReason.FrameTooLarge"/>.
/// </summary>
/// <remarks>
/// Replies sent from <see cref="OnFrame"/> (<see cref="TcpConnection.TrySend(ReadOnlySpan{byte})"/>
/// or <see cref="TcpConnection.Output"/>) are batched: all the replies to the frames of one read
/// leave in one write. Override the other <see cref="IConnectionHandler"/> members as usual.
/// </remarks>
/// <param name="framer">Where frames end; one instance may serve every connection.</param>
public abstract class FrameHandler(IFramer framer) : IConnectionHandler
{
    /// <summary>The framer.</summary>
    protected IFramer Framer { get; } = framer ?? throw new ArgumentNullException(nameof(framer));

    /// <summary>One whole frame arrived.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="frame">The frame's content (no prefix, no delimiter); valid only during this call.</param>
    protected abstract void OnFrame(TcpConnection connection, ReadOnlySpan<byte> frame);

    /// <inheritdoc />
    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(connection);
        int consumed = 0;
        while (!connection.IsClosed)
        {
            ReadOnlySpan<byte> rest = data[consumed..];
            switch (Framer.TryReadFrame(rest, out Range frame, out int used))
            {
                case OperationStatus.Done:
                    consumed += used; // before the call: a frame is consumed even if the handler throws
                    OnFrame(connection, rest[frame]);
                    continue;
                case OperationStatus.InvalidData:
                    connection.CloseForFrameTooLarge(rest.Length);
                    return data.Length;
                default:
                    return consumed; // a partial frame: the transport keeps it for the next call
            }
        }
        return data.Length; // closed by a frame's handler: what is left will never be read
    }

    /// <inheritdoc />
    public virtual void OnConnected(TcpConnection connection)
    {
    }

    /// <inheritdoc />
    public virtual void OnInputShutdown(TcpConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.Close();
    }

    /// <inheritdoc />
    public virtual void OnWritabilityChanged(TcpConnection connection, bool writable)
    {
    }

    /// <inheritdoc />
    public virtual void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
    }
}
