namespace ReactorNet.Tcp;

/// <summary>
/// What an application implements to speak a protocol over <see cref="TcpConnection"/>s. The
/// transport is itself an <see cref="IEventHandler"/> on the reactor: it turns raw readiness into
/// these calls (bytes read, peer finished, output drained, closed), so an application never sees
/// a file descriptor or errno.
/// </summary>
/// <remarks>
/// Every callback runs on the connection's loop thread, one at a time. A callback that throws
/// closes that connection (<see cref="CloseReason.HandlerFault"/>) and nothing else.
/// </remarks>
public interface IConnectionHandler
{
    /// <summary>The connection is established and registered; it may be used from here on.</summary>
    /// <param name="connection">The new connection.</param>
    void OnConnected(TcpConnection connection)
    {
    }

    /// <summary>
    /// Bytes arrived. <paramref name="data"/> is valid only during this call. Return how many of
    /// them the handler consumed; the transport keeps the rest and presents it again, followed by
    /// the next bytes read, on the next call (see the README's "Input" section).
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="data">The bytes read, after any the handler left unconsumed last time.</param>
    /// <returns>
    /// The number of bytes consumed, from 0 to <c>data.Length</c>. Any other value is a handler
    /// fault: the connection closes with <see cref="CloseReason.HandlerFault"/>.
    /// </returns>
    int OnData(TcpConnection connection, ReadOnlySpan<byte> data);

    /// <summary>
    /// The peer sent FIN (half-close): it will send nothing more, but may still read. The default
    /// closes gracefully — output already queued is flushed first, so nothing is lost. Override to
    /// keep sending; call <see cref="TcpConnection.Close"/> or <see cref="TcpConnection.ShutdownOutput"/>
    /// when done. Not called once the application called <see cref="TcpConnection.Close"/>; after
    /// <see cref="TcpConnection.ShutdownOutput"/> it is, and the connection then closes
    /// <see cref="CloseReason.Graceful"/> when output is flushed.
    /// </summary>
    /// <param name="connection">The connection.</param>
    void OnInputShutdown(TcpConnection connection) => connection.Close();

    /// <summary>
    /// Pending output reached the high-water mark (<paramref name="writable"/> false: stop
    /// producing; with <see cref="TcpConnectionOptions.PauseReadingAtHighWaterMark"/> reading from
    /// this peer is paused too) or drained to the low-water mark (true: produce again). Called
    /// whether or not reading is paused automatically; bytes sent from other threads count at once.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="writable">Whether the application should produce output.</param>
    void OnWritabilityChanged(TcpConnection connection, bool writable)
    {
    }

    /// <summary>The connection is closed; called exactly once. Its descriptor is already closed.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="reason">Why.</param>
    /// <param name="error">The error behind <see cref="CloseReason.Reset"/> or <see cref="CloseReason.HandlerFault"/>, if any.</param>
    void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
    }
}
