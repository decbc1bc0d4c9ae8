using System.Buffers;
using System.Net;
using Microsoft.Extensions.Logging;
using ReactorNet.Interop;

namespace ReactorNet.Tcp;

/// <summary>
/// One established stream connection (TCP or Unix), living on one <see cref="Reactor"/> for its
/// whole life. It reads into the loop's shared buffer and hands the bytes to its
/// <see cref="IConnectionHandler"/>; it writes directly when it can and queues the rest, with
/// high/low water marks for backpressure and a hard cap.
/// </summary>
/// <remarks>
/// <see cref="Send"/>, <see cref="Close"/> and <see cref="Abort"/> are safe from any thread (calls
/// from other threads are marshalled to the loop; a send from another thread copies its data).
/// Everything else, and every handler callback, belongs to the loop thread.
/// </remarks>
public sealed partial class TcpConnection : IEventHandler
{
    private static long s_nextId;

    private readonly IConnectionHandler _handler;
    private readonly TcpConnectionOptions _options;
    private readonly LoopBuffers _buffers;
    private readonly OutputBuffer _output;
    private readonly Action<TcpConnection>? _onClosed;
    private readonly int _fd;
    private Registration _registration;
    private Interest _interest;
    private ReactorTimer? _idleTimer;
    private ReactorTimer? _closeTimer;
    private long _lastActivity;
    private readonly EndPoint? _remoteEndPoint;
    private readonly EndPoint? _localEndPoint;

    private bool _peerFinished;   // read returned 0
    private bool _closeRequested; // graceful Close() called: FIN follows once output drains
    private bool _finSent;
    private bool _aboveHighWater;
    private bool _readPaused;     // PauseReading()
    private volatile bool _closed;

    private TcpConnection(Reactor reactor, int fd, EndPoint? remote, EndPoint? local, IConnectionHandler handler, TcpConnectionOptions options, Action<TcpConnection>? onClosed)
    {
        Reactor = reactor;
        _fd = fd;
        _remoteEndPoint = remote;
        _localEndPoint = local;
        _handler = handler;
        _options = options;
        _onClosed = onClosed;
        _buffers = LoopBuffers.For(reactor);
        _output = new OutputBuffer(_buffers, reactor.Metrics);
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>The interest currently registered with epoll (for tests: EPOLLOUT only while output is pending).</summary>
    internal Interest CurrentInterest => _interest;

    /// <summary>Which loop of its server's group the connection lives on.</summary>
    internal int LoopIndex { get; private init; }

    /// <summary>A process-wide unique, increasing id (for logs).</summary>
    public long Id { get; }

    /// <summary>The loop this connection lives on.</summary>
    public Reactor Reactor { get; }

    /// <summary>
    /// The peer's address, captured when the connection was made (from <c>accept4</c>, or the
    /// connect target) and unchanged after close. Null for an unnamed Unix-socket peer.
    /// </summary>
    public EndPoint? RemoteEndPoint => _remoteEndPoint;

    /// <summary>
    /// This side's address, captured when the connection was made (the listener's address, or
    /// <c>getsockname</c> right after accept or connect) and unchanged after close. Null for an unnamed Unix socket.
    /// </summary>
    public EndPoint? LocalEndPoint => _localEndPoint;

    /// <summary>Free for the application: per-connection protocol state.</summary>
    public object? UserState { get; set; }

    /// <summary>Whether the connection has closed (its <see cref="IConnectionHandler.OnClosed"/> ran or is running).</summary>
    public bool IsClosed => _closed;

    /// <summary>Whether the peer has sent FIN (half-close).</summary>
    public bool IsPeerFinished => _peerFinished;

    /// <summary>Bytes queued because the socket would not take them yet.</summary>
    public int PendingOutputBytes => _output.Length;

    /// <summary>False between crossing the high-water mark and draining below the low-water mark.</summary>
    public bool IsWritable => !_aboveHighWater && !_closed;

    /// <summary>Total bytes received.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Total bytes handed to the kernel.</summary>
    public long BytesSent { get; private set; }

    /// <summary>
    /// Sends <paramref name="data"/>: on the loop thread it is written at once as far as the
    /// socket takes it, and the rest is queued (no allocation unless queued memory has to grow).
    /// From another thread the data is copied and the send runs on the loop.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <returns>False when the connection is closed or closing: the data was dropped.</returns>
    public bool Send(ReadOnlySpan<byte> data)
    {
        if (Reactor.IsInLoopThread)
        {
            return SendInLoop(data);
        }
        if (_closed)
        {
            return false;
        }
        byte[] copy = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(copy);
        if (!Reactor.Execute(static s =>
        {
            s.Connection.SendInLoop(s.Data.AsSpan(0, s.Length));
            ArrayPool<byte>.Shared.Return(s.Data);
        }, new CrossThreadSend(this, copy, data.Length)))
        {
            ArrayPool<byte>.Shared.Return(copy); // the reactor is disposed: the connection is (being) closed
            return false;
        }
        return true;
    }

    /// <summary>
    /// Closes gracefully: queued output is flushed, then FIN is sent (<c>shutdown(SHUT_WR)</c>);
    /// the connection closes when the peer's FIN arrives, or after <see cref="TcpConnectionOptions.CloseTimeout"/>.
    /// Further sends are refused. Safe from any thread; idempotent.
    /// </summary>
    public void Close() => _ = Reactor.Execute(static c => c.CloseInLoop(), this);

    /// <summary>Closes at once with RST (<c>SO_LINGER</c> 0), discarding queued output. Safe from any thread; idempotent.</summary>
    public void Abort() => _ = Reactor.Execute(static c => c.CloseNow(CloseReason.Aborted, null, reset: true), this);

    /// <summary>Aborts because the server is shutting down (<see cref="CloseReason.Shutdown"/>). Any thread.</summary>
    internal void AbortForShutdown() => _ = Reactor.Execute(static c => c.CloseNow(CloseReason.Shutdown, null, reset: true), this);

    /// <summary>Stops reading from the peer until <see cref="ResumeReading"/> (e.g. a proxy whose other side is slow). Loop thread.</summary>
    public void PauseReading()
    {
        Reactor.ThrowIfNotLoopThread();
        _readPaused = true;
        UpdateInterest();
    }

    /// <summary>Resumes reading after <see cref="PauseReading"/>. Loop thread.</summary>
    public void ResumeReading()
    {
        Reactor.ThrowIfNotLoopThread();
        _readPaused = false;
        UpdateInterest();
    }

    /// <inheritdoc />
    public override string ToString() => $"connection {Id} (fd {_fd}, {RemoteEndPoint})";

    /// <summary>Wraps an accepted or connected descriptor and registers it; on the loop thread.</summary>
    internal static TcpConnection Start(Reactor reactor, int fd, EndPoint? remote, EndPoint? local, IConnectionHandler handler, TcpConnectionOptions options, Action<TcpConnection>? onClosed, int loopIndex = 0)
    {
        var connection = new TcpConnection(reactor, fd, remote, local, handler, options, onClosed) { LoopIndex = loopIndex };
        connection._interest = Interest.Readable;
        connection._registration = reactor.Register(fd, Interest.Readable, connection, ownsFd: true);
        connection._lastActivity = reactor.LoopTimestamp;
        if (Timeouts.IsEnabled(options.IdleTimeout))
        {
            connection._idleTimer = reactor.Schedule(options.IdleTimeout, static c => c.CheckIdle(), connection);
        }
        reactor.Metrics.Opened();
        Log.ConnectionOpened(reactor.Logger, connection.Id, remote);
        connection.Invoke(static (h, c) => h.OnConnected(c));
        return connection;
    }

    private sealed record CrossThreadSend(TcpConnection Connection, byte[] Data, int Length);

    /// <summary>Calls the handler; a throwing handler aborts this connection only.</summary>
    private void Invoke(Action<IConnectionHandler, TcpConnection> callback)
    {
        try
        {
            callback(_handler, this);
        }
        catch (Exception ex)
        {
            Log.HandlerFaulted(Reactor.Logger, Id, ex);
            CloseNow(CloseReason.HandlerFault, ex, reset: true);
        }
    }

    private void CloseInLoop()
    {
        if (_closed || _closeRequested)
        {
            return;
        }
        _closeRequested = true;
        if (_output.Length == 0)
        {
            SendFin();
        }
        // else: Flush sends the FIN once the output has drained.
    }

    private void SendFin()
    {
        _finSent = true;
        Libc.shutdown(_fd, Libc.SHUT_WR);
        if (_peerFinished)
        {
            CloseNow(CloseReason.Graceful, null, reset: false);
            return;
        }
        // Keep reading until the peer's FIN (read returns 0), but not forever.
        if (Timeouts.IsEnabled(_options.CloseTimeout))
        {
            _closeTimer = Reactor.Schedule(_options.CloseTimeout, static c => c.CloseNow(CloseReason.CloseTimeout, null, reset: true), this);
        }
        UpdateInterest();
    }

    private void CheckIdle()
    {
        if (_closed)
        {
            return;
        }
        long idleTicks = Timeouts.ToTicks(_options.IdleTimeout);
        long elapsed = Reactor.LoopTimestamp - _lastActivity;
        if (elapsed >= idleTicks)
        {
            Log.IdleTimeout(Reactor.Logger, Id);
            CloseNow(CloseReason.IdleTimeout, null, reset: true);
            return;
        }
        // Activity does not touch the timer (that would cost a heap operation per read); the timer
        // wakes at the old deadline and moves itself to the new one.
        Reactor.Reschedule(_idleTimer!, TimeSpan.FromSeconds((double)(idleTicks - elapsed) / System.Diagnostics.Stopwatch.Frequency));
    }

    /// <summary>The one way out: runs once, unregisters (DEL, then close), releases buffers, tells the handler.</summary>
    private void CloseNow(CloseReason reason, Exception? error, bool reset)
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        RecordClose(reason, error);
        _idleTimer?.Cancel();
        _closeTimer?.Cancel();
        if (reset)
        {
            Sockets.SetLingerZero(_fd);
        }
        _registration.Unregister(); // the registration owns the fd: EPOLL_CTL_DEL, then close
        _output.Clear();
        Reactor.Metrics.Closed(reason.ToString());
        Log.ConnectionClosed(Reactor.Logger, Id, reason, error);
        _onClosed?.Invoke(this);
        try
        {
            _handler.OnClosed(this, reason, error);
        }
        catch (Exception ex)
        {
            Log.HandlerFaulted(Reactor.Logger, Id, ex);
        }
    }

    private void UpdateInterest()
    {
        if (_closed)
        {
            return;
        }
        Interest wanted = Interest.None;
        if (!_peerFinished && !_readPaused && !_aboveHighWater)
        {
            wanted |= Interest.Readable;
        }
        if (_output.Length > 0)
        {
            wanted |= Interest.Writable; // only while output is pending: an idle socket is always writable
        }
        if (wanted != _interest)
        {
            _interest = wanted;
            _registration.Modify(wanted);
        }
    }
}
