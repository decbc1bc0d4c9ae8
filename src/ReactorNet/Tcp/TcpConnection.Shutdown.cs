namespace ReactorNet.Tcp;

public sealed partial class TcpConnection : IReactorShutdownHandler
{
    private CloseReason _closeReason;
    private Exception? _closeError;

    /// <summary>Why the connection closed (valid once <see cref="IsClosed"/>); read on the loop thread.</summary>
    internal CloseReason CloseReason => _closeReason;

    /// <summary>The error the connection closed with, if any; read on the loop thread.</summary>
    internal Exception? CloseError => _closeError;

    /// <summary>
    /// The reactor is being disposed: reset the connection and report <see cref="CloseReason.Shutdown"/>
    /// exactly once (<see cref="CloseNow"/> runs once). From then on Close/Abort are no-ops and
    /// Send returns false, because the connection is closed.
    /// </summary>
    void IReactorShutdownHandler.OnReactorShutdown() => CloseNow(CloseReason.Shutdown, null, reset: true);

    private void RecordClose(CloseReason reason, Exception? error)
    {
        _closeReason = reason;
        _closeError = error;
    }
}
