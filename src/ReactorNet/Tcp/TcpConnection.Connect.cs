using System.Net;

namespace ReactorNet.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>
    /// Connects to <paramref name="remote"/> without blocking and returns the connection, living
    /// on <paramref name="reactor"/> (which must be running, or run soon, for the task to finish).
    /// </summary>
    /// <param name="reactor">The loop the connection will live on.</param>
    /// <param name="remote">An <see cref="IPEndPoint"/> or a <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>.</param>
    /// <param name="handler">Receives the connection's callbacks; <see cref="IConnectionHandler.OnConnected"/> runs before the task completes.</param>
    /// <param name="options">Connection settings; default <see cref="TcpConnectionOptions.Default"/>.</param>
    /// <param name="cancellationToken">
    /// Cancels the attempt; the one way to bound it (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>),
    /// as in .NET's own connect APIs. Without it the kernel's SYN retries end an unanswered handshake
    /// (about two minutes with Linux defaults). A cancelled attempt closes its socket.
    /// </param>
    /// <returns>The established connection.</returns>
    /// <exception cref="SystemCallException">Refused (ECONNREFUSED), unreachable (ENETUNREACH, EHOSTUNREACH) and so on.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The reactor is (or gets) disposed before the connect finished; the socket is closed.</exception>
    /// <remarks>
    /// Any thread. When no loop runs the reactor yet, the attempt starts on the calling thread (serialised
    /// with other callers) and finishes once the loop runs. If <see cref="IConnectionHandler.OnConnected"/>
    /// throws, the connection is closed and the task fails with that exception.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/> in <paramref name="options"/>.</exception>
    public static Task<TcpConnection> ConnectAsync(
        Reactor reactor,
        EndPoint remote,
        IConnectionHandler handler,
        TcpConnectionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(handler);
        options ??= TcpConnectionOptions.Default;
        options.Validate();
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TcpConnection>(cancellationToken);
        }
        if (reactor.IsDisposed)
        {
            return Task.FromException<TcpConnection>(new ObjectDisposedException(nameof(Reactor), "ConnectAsync on a disposed reactor."));
        }
        var connector = new Connector(reactor, remote, handler, options);
        connector.Begin(cancellationToken);
        return connector.Task;
    }
}
