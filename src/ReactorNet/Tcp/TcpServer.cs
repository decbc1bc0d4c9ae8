using System.Net;
using ReactorNet.Interop;

namespace ReactorNet.Tcp;

/// <summary>
/// Listens on an endpoint (IPv4, IPv6, dual-stack or a Unix domain socket path) and runs every
/// accepted connection on a loop: the single <see cref="Reactor"/> given, or one loop of a
/// <see cref="ReactorGroup"/> for the connection's whole life.
/// </summary>
/// <remarks>
/// The constructor binds and listens at once, so errors such as EADDRINUSE surface there as a
/// <see cref="SystemCallException"/>. Handler callbacks run on the connection's loop thread.
/// </remarks>
public sealed class TcpServer : IDisposable
{
    private readonly Func<IConnectionHandler> _handlerFactory;
    private readonly TcpServerOptions _options;
    private readonly Reactor[] _loops;
    private readonly int[] _loopConnections;
    private readonly ConnectionTable<TcpConnection.ServerSlot>[] _connections; // per loop, touched on that loop only
    private readonly Acceptor[] _acceptors;
    private readonly Action<TcpConnection> _onClosed;
    private readonly SocketFile? _socketFile;
    private readonly LogThrottle _rejectedLog = new(TimeSpan.FromSeconds(1));
    private int _connectionCount;
    private int _nextLoop = -1;
    private long _accepted;
    private long _rejected;
    private int _disposed;
    private int _shuttingDown;
    private int _closedInGrace;
    private int _aborted;
    private TaskCompletionSource? _drained;

    /// <summary>Listens on <paramref name="endPoint"/> and serves connections on <paramref name="reactor"/>.</summary>
    /// <param name="reactor">The loop that accepts and runs every connection.</param>
    /// <param name="endPoint">An <see cref="IPEndPoint"/> (port 0 picks a free port) or a <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>.</param>
    /// <param name="handlerFactory">Called once per connection (return a shared instance if the handler keeps no state).</param>
    /// <param name="options">Listener and connection settings.</param>
    public TcpServer(Reactor reactor, EndPoint endPoint, Func<IConnectionHandler> handlerFactory, TcpServerOptions? options = null)
        : this([reactor ?? throw new ArgumentNullException(nameof(reactor))], endPoint, handlerFactory, options)
    {
    }

    /// <summary>Listens on <paramref name="endPoint"/> and spreads connections over the loops of <paramref name="group"/>.</summary>
    /// <param name="group">The loops.</param>
    /// <param name="endPoint">The address to listen on.</param>
    /// <param name="handlerFactory">Called once per connection, on the loop that will run it.</param>
    /// <param name="options">Listener and connection settings.</param>
    public TcpServer(ReactorGroup group, EndPoint endPoint, Func<IConnectionHandler> handlerFactory, TcpServerOptions? options = null)
        : this((group ?? throw new ArgumentNullException(nameof(group))).CopyReactors(), endPoint, handlerFactory, options)
    {
    }

    private TcpServer(Reactor[] loops, EndPoint endPoint, Func<IConnectionHandler> handlerFactory, TcpServerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(handlerFactory);
        _options = options ?? new TcpServerOptions();
        _options.Validate();
        _handlerFactory = handlerFactory;
        _loops = loops;
        _loopConnections = new int[loops.Length];
        _connections = new ConnectionTable<TcpConnection.ServerSlot>[loops.Length];
        for (int i = 0; i < loops.Length; i++)
        {
            _connections[i] = new();
        }
        _onClosed = OnConnectionClosed;

        // With SO_REUSEPORT every loop gets its own listener; otherwise the first loop accepts for all.
        int listeners = _options.ReusePort ? loops.Length : 1;
        _acceptors = new Acceptor[listeners];
        try
        {
            for (int i = 0; i < listeners; i++)
            {
                // Port 0 picks a port once; the other listeners join that port.
                EndPoint bindTo = i == 0 ? endPoint : _acceptors[0].LocalEndPoint;
                _acceptors[i] = new Acceptor(this, loops[i], bindTo, _options);
                if (i == 0 && endPoint.AddressFamily == System.Net.Sockets.AddressFamily.Unix)
                {
                    _socketFile = SocketFile.RecordBound(endPoint); // bind just created it: remember which file is ours
                }
            }
        }
        catch
        {
            // Whatever failed (a later bind, recording the socket file), nothing created so far may
            // outlive the constructor: every listener is closed and the socket file unlinked.
            foreach (Acceptor? acceptor in _acceptors)
            {
                acceptor?.Stop();
            }
            _socketFile?.Remove();
            throw;
        }
        LocalEndPoint = _acceptors[0].LocalEndPoint;
        foreach (Acceptor acceptor in _acceptors)
        {
            if (!acceptor.Start())
            {
                Dispose();
                throw new ObjectDisposedException(nameof(Reactor), "A server cannot start on a disposed reactor.");
            }
            Log.Listening(acceptor.Reactor.Logger, LocalEndPoint);
        }
    }

    /// <summary>The bound address (with the real port when 0 was asked for).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>Open connections across all loops.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Connections accepted so far.</summary>
    public long AcceptedCount => Interlocked.Read(ref _accepted);

    /// <summary>Connections refused (connection limit, or shed while out of descriptors).</summary>
    public long RejectedCount => Interlocked.Read(ref _rejected);

    /// <summary>Open connections per loop, in the order of the group's loops: a new snapshot on each call.</summary>
    /// <returns>One count per loop.</returns>
    public IReadOnlyList<int> GetConnectionsPerLoop()
    {
        int[] counts = new int[_loopConnections.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _loopConnections[i]);
        }
        return counts;
    }

    /// <summary>
    /// Stops accepting and aborts (RST, <see cref="CloseReason.Shutdown"/>) every open connection,
    /// including one being handed from the accepting loop to another loop at this moment.
    /// Idempotent; any thread.
    /// </summary>
    /// <remarks>
    /// Called from a thread that runs none of the server's loops, Dispose returns once every loop
    /// has closed its connections: no <see cref="IConnectionHandler.OnConnected"/> follows and every
    /// <see cref="IConnectionHandler.OnClosed"/> has run. A loop that is not running (stopped, or
    /// not started yet) is closed on the calling thread. Called from a loop's callback, that loop's
    /// connections close at once and the other loops' as soon as those loops get to it.
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        StopListening();
        bool onALoop = Array.Exists(_loops, l => l.IsInLoopThread);
        // Not disposed when we do not wait: the other loops' sweeps still signal it later.
        var swept = new CountdownEvent(_loops.Length);
        for (int i = 0; i < _loops.Length; i++)
        {
            var sweep = new Sweep(this, i, swept);
            if (!_loops[i].Execute(static s => s.Run(), sweep))
            {
                swept.Signal(); // a disposed reactor closed its connections itself
            }
        }
        if (!onALoop)
        {
            swept.Wait();
            swept.Dispose();
        }
    }

    /// <summary>
    /// Stops accepting and closes every connection gracefully (flushing its output), waits until all
    /// have closed or <paramref name="cancellationToken"/> is cancelled, then aborts what is left
    /// (like <see cref="Dispose"/>). Cancellation ends the grace period; it does not throw.
    /// </summary>
    /// <param name="cancellationToken">Ends the grace period: the connections still open are aborted.</param>
    /// <returns>How many connections closed during the grace period and how many were aborted.</returns>
    public async Task<ShutdownResult> ShutdownAsync(CancellationToken cancellationToken)
    {
        StopListening();
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        Volatile.Write(ref _shuttingDown, 1);
        if (ConnectionCount == 0)
        {
            drained.TrySetResult();
        }
        for (int i = 0; i < _loops.Length; i++)
        {
            _ = _loops[i].Execute(static s => s.Server.ForEachConnection(s.Index, static c => c.Close()), new LoopIndex(this, i));
        }
        if (!drained.Task.IsCompleted)
        {
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.UnsafeRegister(static t => ((TaskCompletionSource)t!).TrySetResult(), cancelled))
            {
                await Task.WhenAny(drained.Task, cancelled.Task).ConfigureAwait(false);
            }
        }
        Dispose();
        return new ShutdownResult(Volatile.Read(ref _closedInGrace), Volatile.Read(ref _aborted));
    }

    /// <summary>Aborts one loop's connections for <see cref="Dispose"/>, counting them, and signals when done.</summary>
    private sealed record Sweep(TcpServer Server, int Index, CountdownEvent Done)
    {
        public void Run()
        {
            try
            {
                Server.ForEachConnection(Index, static c => c.AbortForShutdown());
            }
            finally
            {
                Done.Signal();
            }
        }
    }

    private sealed record LoopIndex(TcpServer Server, int Index);

    private sealed record Handoff(TcpServer Server, int Fd, int Index, CapturedAddress Remote, EndPoint Local);

    private int _listening = 1;

    private void StopListening()
    {
        if (Interlocked.Exchange(ref _listening, 0) == 0)
        {
            return;
        }
        foreach (Acceptor acceptor in _acceptors)
        {
            acceptor.Stop();
        }
        _socketFile?.Remove();
    }

    private void ForEachConnection(int index, Action<TcpConnection> action)
    {
        foreach (TcpConnection connection in _connections[index].ToArray())
        {
            action(connection);
        }
    }

    /// <summary>Called by an acceptor on its loop with a freshly accepted descriptor.</summary>
    internal void Adopt(int fd, Reactor acceptLoop, CapturedAddress remote, EndPoint local)
    {
        if (Volatile.Read(ref _listening) == 0)
        {
            Refuse(fd); // accepted in the same round that the server began to stop
            return;
        }
        Interlocked.Increment(ref _accepted);
        acceptLoop.Metrics.Accepted();
        int max = _options.MaxConnections;
        if (Interlocked.Increment(ref _connectionCount) > max && max > 0)
        {
            Interlocked.Decrement(ref _connectionCount);
            CountRejected(1); // before the RST: a client that sees the reset must find it counted
            Refuse(fd);
            acceptLoop.Metrics.Rejected("limit");
            Log.ConnectionRejected(acceptLoop.Logger, max, _rejectedLog);
            return;
        }
        int index = _options.ReusePort ? Array.IndexOf(_loops, acceptLoop) : PickLoop();
        Interlocked.Increment(ref _loopConnections[index]);
        Reactor target = _loops[index];
        if (target == acceptLoop)
        {
            StartConnection(fd, index, remote, local);
            return;
        }
        if (!target.Execute(static h => h.Server.StartConnection(h.Fd, h.Index, h.Remote, h.Local), new Handoff(this, fd, index, remote, local)))
        {
            Refuse(fd); // the target loop is disposed
            Forget(index);
        }
    }

    /// <summary>Resets a connection the server will not serve.</summary>
    private static void Refuse(int fd)
    {
        Sockets.SetLingerZero(fd);
        FileDescriptor.Close(fd);
    }

    internal void CountRejected(int count) => Interlocked.Add(ref _rejected, count);

    private int PickLoop()
    {
        if (_loops.Length == 1)
        {
            return 0;
        }
        if (_options.LoadBalancing == LoadBalancing.RoundRobin)
        {
            return (int)((uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length);
        }
        int best = 0;
        for (int i = 1; i < _loops.Length; i++)
        {
            if (Volatile.Read(ref _loopConnections[i]) < Volatile.Read(ref _loopConnections[best]))
            {
                best = i;
            }
        }
        return best;
    }

    private void StartConnection(int fd, int index, CapturedAddress remote, EndPoint local)
    {
        Reactor loop = _loops[index];
        if (Volatile.Read(ref _listening) == 0)
        {
            // The server stopped while this connection was on its way from the accepting loop. The
            // check and the registration below run on this loop, and so does the stop's sweep,
            // queued after the flag was cleared: a connection is either refused here or swept.
            Refuse(fd);
            Forget(index);
            return;
        }
        try
        {
            if (_options.Connection.NoDelay)
            {
                Sockets.SetNoDelay(fd); // fails harmlessly (EOPNOTSUPP) on a Unix socket
            }
            TcpConnection connection = TcpConnection.Start(loop, fd, remote, local, _handlerFactory(), _options.Connection, _onClosed, index);
            if (!connection.IsClosed)
            {
                _connections[index].Add(connection);
            }
        }
        catch (Exception ex)
        {
            Log.AcceptFailed(loop.Logger, ex);
            FileDescriptor.Close(fd);
            Forget(index);
        }
    }

    private void OnConnectionClosed(TcpConnection connection)
    {
        if (Volatile.Read(ref _shuttingDown) != 0 || Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Increment(ref connection.CloseReason == CloseReason.Shutdown ? ref _aborted : ref _closedInGrace);
        }
        _connections[connection.LoopIndex].Remove(connection);
        Forget(connection.LoopIndex);
    }

    private void Forget(int index)
    {
        Interlocked.Decrement(ref _loopConnections[index]);
        if (Interlocked.Decrement(ref _connectionCount) == 0)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }
}
