namespace ReactorNet.Tcp;

/// <summary>Why a <see cref="TcpConnection"/> closed; <see cref="IConnectionHandler.OnClosed"/> receives exactly one.</summary>
public enum CloseReason
{
    /// <summary>Both sides finished: our FIN and the peer's FIN were exchanged after a graceful <see cref="TcpConnection.Close"/> or half-close.</summary>
    Graceful,

    /// <summary>The application called <see cref="TcpConnection.Abort"/>: RST sent, unsent output discarded.</summary>
    Aborted,

    /// <summary>The peer reset the connection (ECONNRESET, EPIPE) or the kernel reported a socket error.</summary>
    Reset,

    /// <summary>After our FIN the peer did not send its own within <see cref="TcpConnectionOptions.CloseTimeout"/>.</summary>
    CloseTimeout,

    /// <summary>No data moved in either direction for <see cref="TcpConnectionOptions.IdleTimeout"/>.</summary>
    IdleTimeout,

    /// <summary>Pending output passed <see cref="TcpConnectionOptions.MaxPendingOutputBytes"/>: the peer does not read and the application ignored backpressure.</summary>
    OutputLimitExceeded,

    /// <summary>A callback of the <see cref="IConnectionHandler"/> threw; the exception is logged and passed to <see cref="IConnectionHandler.OnClosed"/>.</summary>
    HandlerFault,

    /// <summary>The server or its reactor shut down.</summary>
    Shutdown,
}
