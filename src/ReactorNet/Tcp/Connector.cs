using System.Net;
using ReactorNet.Interop;

namespace ReactorNet.Tcp;

/// <summary>
/// A non-blocking connect in flight: <c>connect()</c> answers EINPROGRESS, the socket turns
/// writable when the handshake ends, and <c>SO_ERROR</c> tells whether it succeeded. Then the
/// descriptor becomes a <see cref="TcpConnection"/> on the same loop.
/// </summary>
internal sealed class Connector : IEventHandler, IReactorShutdownHandler
{
    private readonly Reactor _reactor;
    private readonly EndPoint _remote;
    private readonly IConnectionHandler _handler;
    private readonly TcpConnectionOptions _options;
    private readonly TaskCompletionSource<TcpConnection> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private Registration _registration;
    private int _fd = -1;
    private bool _done;

    public Connector(Reactor reactor, EndPoint remote, IConnectionHandler handler, TcpConnectionOptions options)
    {
        _reactor = reactor;
        _remote = remote;
        _handler = handler;
        _options = options;
    }

    public Task<TcpConnection> Task => _result.Task;

    private sealed record Failure(Connector Connector, Exception Error);

    public void Begin(CancellationToken cancellationToken)
    {
        // Register for cancellation before the attempt can finish: Cleanup on the loop then always
        // sees (and removes) the registration, even when the connect completes at once. Registered
        // after, it would outlive a synchronous completion and keep this connector (and through it
        // the connection and its handler) alive as long as the token lives.
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var c = (Connector)state!;
                var error = new OperationCanceledException($"Connecting to {c._remote} was cancelled.", token);
                // Refused only once the reactor is disposed; its teardown fails the connect instead.
                _ = c._reactor.Execute(static s => s.Connector.Fail(s.Error), new Failure(c, error));
            }, this);
        }
        if (!_reactor.Execute(static c => c.BeginInLoop(), this))
        {
            // The reactor was disposed: no loop will ever run this connect, and nothing else touches it.
            _done = true;
            _cancellation.Unregister();
            _result.TrySetException(Disposed());
        }
    }

    private ObjectDisposedException Disposed() => new(nameof(Reactor), $"The reactor was disposed before connecting to {_remote} finished.");

    /// <summary>The reactor is being disposed while the handshake is in flight: fail, close the socket.</summary>
    void IReactorShutdownHandler.OnReactorShutdown() => Fail(Disposed());

    private void BeginInLoop()
    {
        if (_done)
        {
            return; // cancelled before the loop got to it
        }
        try
        {
            _fd = Sockets.Create(_remote);
            if (_options.NoDelay)
            {
                Sockets.SetNoDelay(_fd);
            }
            if (Sockets.StartConnect(_fd, _remote))
            {
                Established();
                return;
            }
            _registration = _reactor.Register(_fd, Interest.Writable, this);
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    public void OnEvent(Registration registration, Readiness readiness)
    {
        int errno = Sockets.TakeError(_fd);
        if (errno != 0)
        {
            Fail(new SystemCallException($"connect({_remote})", errno));
            return;
        }
        if ((readiness & Readiness.Writable) != 0)
        {
            _registration.Unregister(); // the fd is not owned: the connection takes it over
            Established();
        }
    }

    private void Established()
    {
        if (_done)
        {
            return;
        }
        _done = true;
        Cleanup();
        TcpConnection connection;
        try
        {
            // The descriptor is ours until Start hands it over: ask for the local address now,
            // never later (B6). The remote address is the target we connected to.
            connection = TcpConnection.Start(_reactor, _fd, new CapturedAddress(_remote), Sockets.LocalEndPoint(_fd), _handler, _options, null);
        }
        catch (Exception ex)
        {
            FileDescriptor.Close(_fd);
            _result.TrySetException(ex);
            return;
        }
        if (connection.IsClosed && connection.CloseReason == CloseReason.HandlerFault && connection.CloseError is not null)
        {
            // OnConnected threw: the connection is already closed, so the connect failed.
            _result.TrySetException(connection.CloseError);
            return;
        }
        _result.TrySetResult(connection);
    }

    private void Fail(Exception error)
    {
        if (_done)
        {
            return;
        }
        _done = true;
        Cleanup();
        if (_registration.IsActive)
        {
            _registration.Unregister();
        }
        FileDescriptor.Close(_fd);
        _result.TrySetException(error);
    }

    private void Cleanup()
    {
        // Unregister, not Dispose: Dispose would wait for a cancellation callback running on another
        // thread, and that callback may itself be waiting to hand its work to this loop.
        _cancellation.Unregister();
    }
}
