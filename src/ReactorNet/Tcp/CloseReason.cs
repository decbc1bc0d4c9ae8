namespace ReactorNet.Tcp;

/// <summary>Why a <see cref="TcpConnection"/> closed; <see cref="IConnectionHandler.OnClosed"/> receives exactly one.</summary>
public enum CloseReason
{
    /// <summary>
    /// Both FINs were exchanged (after <see cref="TcpConnection.Close"/>, <see cref="TcpConnection.ShutdownOutput"/>
    /// or the peer's half-close), every byte the peer sent was read and all output was written.
    /// </summary>
    Graceful,

    /// <summary>The application called <see cref="TcpConnection.Abort"/>: RST sent, unsent output discarded.</summary>
    Aborted,

    /// <summary>The peer reset the connection (ECONNRESET, EPIPE) or the kernel reported a socket error.</summary>
    Reset,

    /// <summary>
    /// After our FIN the peer did not send its own within <see cref="TcpConnectionOptions.CloseTimeout"/>.
    /// The descriptor was closed without RST: the kernel still delivers what it had accepted.
    /// </summary>
    CloseTimeout,

    /// <summary>No data moved in either direction for <see cref="TcpConnectionOptions.IdleTimeout"/>.</summary>
    IdleTimeout,

    /// <summary>
    /// A <see cref="TcpConnection.TrySend(ReadOnlySpan{byte})"/> would have passed <see cref="TcpConnectionOptions.MaxPendingOutputBytes"/>
    /// (the application ignored backpressure): that send was refused and the connection reset.
    /// </summary>
    OutputLimitExceeded,

    /// <summary>
    /// A callback of the <see cref="IConnectionHandler"/> threw, or the transport itself failed while
    /// handling the connection's event (a library fault such as an <see cref="OutOfMemoryException"/>):
    /// the exception is logged and passed to <see cref="IConnectionHandler.OnClosed"/>, and the connection is reset.
    /// </summary>
    HandlerFault,

    /// <summary>The server or its reactor shut down.</summary>
    Shutdown,

    /// <summary>
    /// Output was pending and the kernel took no byte of it for <see cref="TcpConnectionOptions.WriteStallTimeout"/>:
    /// the peer stopped reading. The connection was reset and the output discarded.
    /// </summary>
    WriteStalled,

    /// <summary>
    /// The handler left more than <see cref="TcpConnectionOptions.MaxInputBufferBytes"/> of input
    /// unconsumed (a frame that never ends, or a handler that consumes nothing): the connection was
    /// reset and the buffered input discarded.
    /// </summary>
    InputLimitExceeded,

    /// <summary>
    /// A <see cref="Framing.FrameHandler"/> met a frame longer than its framer's maximum (a
    /// corrupt stream or a hostile peer): the connection was reset and the input discarded.
    /// </summary>
    FrameTooLarge,
}
