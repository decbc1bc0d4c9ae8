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
/// <see cref="TrySend(ReadOnlySpan{byte})"/>, <see cref="ShutdownOutput"/>, <see cref="Close"/>, <see cref="Dispose"/>, <see cref="Abort"/>,
/// <see cref="IsWritable"/> and <see cref="PendingOutputBytes"/> are safe from any thread (calls
/// from other threads are marshalled to the loop; a send from another thread copies its data and
/// is counted at once). Everything else, and every handler callback, belongs to the loop thread.
/// </remarks>
public sealed partial class TcpConnection : IEventHandler, IDisposable, IHandlerOwner
{
    private static long s_nextId;

    private readonly IConnectionHandler _handler;
    private readonly TcpConnectionOptions _options;
    private readonly LoopBuffers _buffers;
    private OutputBuffer _output; // a mutable struct: never readonly (a readonly field would hand every call a copy)
    private readonly Action<TcpConnection>? _onClosed;
    private readonly int _fd;
    private ulong _registrationToken; // the Registration without its reactor and fd, both kept already (16 bytes a connection)
    private Interest _interest;
    private long _lastActivity;
    private long _lastWriteProgress; // when the kernel last took queued bytes (or when output became pending)
    private readonly CapturedAddress _remote;
    private EndPoint? _remoteEndPoint; // built from _remote on first read; racing readers all get the first one built
    private readonly EndPoint? _localEndPoint;

    private bool _peerFinished;    // read returned 0
    private bool _closeRequested;  // graceful Close() called: FIN follows once output drains, then the close timer
    private bool _outputShutdown;  // Close() or ShutdownOutput() called: FIN follows once output drains
    private bool _finSent;
    private bool _toldWritable = true; // what the application last heard from OnWritabilityChanged
    private bool _readPaused;      // PauseReading()
    private bool _hangUpSeen;      // EPOLLHUP arrived: it cannot be masked, so a paused reader parks the registration
    private volatile bool _closed;

    private TcpConnection(Reactor reactor, int fd, CapturedAddress remote, EndPoint? local, IConnectionHandler handler, TcpConnectionOptions options, Action<TcpConnection>? onClosed)
    {
        Reactor = reactor;
        _fd = fd;
        _remote = remote;
        _localEndPoint = local;
        _handler = handler;
        _options = options;
        _onClosed = onClosed;
        _buffers = LoopBuffers.For(reactor);
        _output = new OutputBuffer(_buffers, reactor.Metrics);
        Id = Interlocked.Increment(ref s_nextId);
    }

    private Registration Registration => new(Reactor, _registrationToken, _fd);

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
    /// <remarks>Built on first read from the captured address: a connection nobody asks holds no endpoint object.</remarks>
    public EndPoint? RemoteEndPoint => _remoteEndPoint ?? Interlocked.CompareExchange(ref _remoteEndPoint, _remote.ToEndPoint(), null) ?? _remoteEndPoint;

    /// <summary>
    /// This side's address, captured when the connection was made (the listener's address, or
    /// <c>getsockname</c> right after accept or connect) and unchanged after close. Null for an unnamed Unix socket.
    /// </summary>
    public EndPoint? LocalEndPoint => _localEndPoint;

    /// <summary>Free for the application: per-connection protocol state.</summary>
    public object? UserState { get; set; }

    /// <summary>Whether the connection has closed (its <see cref="IConnectionHandler.OnClosed"/> ran or is running).</summary>
    public bool IsClosed => _closed;

    /// <summary>Whether the peer has sent FIN (half-close): no more input will arrive.</summary>
    public bool IsInputShutdown => _peerFinished;

    /// <summary>Total bytes received.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Total bytes handed to the kernel.</summary>
    public long BytesSent { get; private set; }

    /// <summary>
    /// Closes gracefully: queued output is flushed, then FIN is sent (<c>shutdown(SHUT_WR)</c>);
    /// reading goes on until the peer's FIN arrives (<see cref="CloseReason.Graceful"/>) or
    /// <see cref="TcpConnectionOptions.CloseTimeout"/> passes after our FIN; the descriptor is then
    /// closed without RST, so the kernel still delivers what it had accepted. Sends are refused
    /// from the moment this is called. Safe from any thread; idempotent.
    /// </summary>
    public void Close()
    {
        RefuseSends();
        _ = Reactor.Execute(static c => c.Contained(static x => x.CloseInLoop()), this);
    }

    /// <summary>
    /// The same as <see cref="Close"/> (graceful, idempotent, any thread), so that
    /// <c>using var connection = await TcpConnection.ConnectAsync(...)</c> closes it at the end of the scope.
    /// </summary>
    public void Dispose() => Close();

    /// <summary>
    /// Half-close: sends FIN (<c>shutdown(SHUT_WR)</c>) once all pending output is written, and
    /// keeps reading; the connection closes (<see cref="CloseReason.Graceful"/>) when the peer's
    /// FIN arrives too. No close timer applies; <see cref="TcpConnectionOptions.WriteStallTimeout"/>
    /// still bounds the flush. Sends are refused from the moment this is called. Safe from any
    /// thread; idempotent.
    /// </summary>
    public void ShutdownOutput()
    {
        RefuseSends();
        _ = Reactor.Execute(static c => c.Contained(static x => x.ShutdownOutputInLoop()), this);
    }

    /// <summary>Closes at once with RST (<c>SO_LINGER</c> 0), discarding queued output. Safe from any thread; idempotent.</summary>
    public void Abort()
    {
        RefuseSends();
        _ = Reactor.Execute(static c => c.CloseNow(CloseReason.Aborted, null, reset: true), this);
    }

    /// <summary>Aborts because the server is shutting down (<see cref="CloseReason.Shutdown"/>). Any thread.</summary>
    internal void AbortForShutdown()
    {
        RefuseSends();
        _ = Reactor.Execute(static c => c.CloseNow(CloseReason.Shutdown, null, reset: true), this);
    }

    /// <summary>
    /// Stops reading from the peer until <see cref="ResumeReading"/> (e.g. a proxy whose other side
    /// is slow). Unread bytes stay in the kernel; none is lost, even if the peer hangs up meanwhile.
    /// Loop thread.
    /// </summary>
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
        ScheduleBufferedInput();
    }

    /// <inheritdoc />
    public override string ToString() => $"connection {Id} (fd {_fd}, {RemoteEndPoint})";

    /// <summary>Wraps an accepted or connected descriptor and registers it; on the loop thread.</summary>
    internal static TcpConnection Start(Reactor reactor, int fd, CapturedAddress remote, EndPoint? local, IConnectionHandler handler, TcpConnectionOptions options, Action<TcpConnection>? onClosed, int loopIndex = 0)
    {
        var connection = new TcpConnection(reactor, fd, remote, local, handler, options, onClosed) { LoopIndex = loopIndex };
        connection._interest = Interest.Readable;
        connection._registrationToken = reactor.Register(fd, Interest.Readable, connection, ownsFd: true).Token;
        connection._lastActivity = reactor.LoopTimestamp;
        if (Timeouts.IsEnabled(options.IdleTimeout))
        {
            connection._buffers.IdleSweep.Track(connection);
        }
        reactor.Metrics.Opened();
        if (reactor.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.ConnectionOpened(reactor.Logger, connection.Id, connection.RemoteEndPoint); // only then is the endpoint built
        }
        connection.Invoke(static (h, c) => h.OnConnected(c));
        return connection;
    }

    /// <summary>A stall in this connection's callbacks is the application handler's.</summary>
    Type IHandlerOwner.HandlerType => _handler.GetType();

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

    private int _idleIndex = -1;   // where this connection sits in its loop's IdleSweep; -1 when not watched
    private int _serverIndex = -1; // where it sits in its server's table of the loop's connections; -1 when not in it

    /// <summary>Whether the loop's <see cref="IdleSweep"/> watches this connection.</summary>
    internal bool IsIdleTracked => _idleIndex >= 0;

    /// <summary>The connection's place in its loop's <see cref="IdleSweep"/>.</summary>
    internal struct IdleSlot : IConnectionSlot
    {
        public static ref int Of(TcpConnection connection) => ref connection._idleIndex;
    }

    /// <summary>The connection's place in its <see cref="TcpServer"/>'s table of the loop's connections.</summary>
    internal struct ServerSlot : IConnectionSlot
    {
        public static ref int Of(TcpConnection connection) => ref connection._serverIndex;
    }

    /// <summary>When the connection is idle for its timeout, unless it is active before then (loop clock).</summary>
    internal long IdleDeadline => Timeouts.Deadline(_lastActivity, Timeouts.ToTicks(_options.IdleTimeout));

    /// <summary>The idle sweep found the deadline passed: reset the connection.</summary>
    internal void OnIdleDeadline()
    {
        Log.IdleTimeout(Reactor.Logger, Id);
        CloseNow(CloseReason.IdleTimeout, null, reset: true);
    }

    /// <summary>
    /// Whether reading is held back: by the application, or by backpressure when it is automatic.
    /// The crossing itself counts at once: the application hears of it only when the batch
    /// completes, and reading must not go on meanwhile.
    /// </summary>
    private bool ReadingPaused => _readPaused || (_options.PauseReadingAtHighWaterMark && (!_toldWritable || Volatile.Read(ref _unwritable) != 0));

    private void UpdateInterest()
    {
        if (_closed)
        {
            return;
        }
        Interest wanted = Interest.None;
        bool paused = ReadingPaused;
        if (!_peerFinished && !paused)
        {
            wanted |= Interest.Readable;
        }
        if (_awaitingWritable)
        {
            wanted |= Interest.Writable; // only while the kernel refused output: an idle socket is always writable
        }
        if (paused && _hangUpSeen && !_peerFinished)
        {
            // EPOLLHUP is reported whatever the interest, every round. One-shot parks the
            // registration after one more report; ResumeReading re-arms it and reading goes on to EOF.
            wanted |= Interest.OneShot;
        }
        if (wanted != _interest)
        {
            _interest = wanted;
            Registration.Modify(wanted);
        }
    }
}
