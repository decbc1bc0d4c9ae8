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
    private readonly HashSet<TcpConnection>[] _connections;
    private readonly Acceptor[] _acceptors;
    private readonly Action<TcpConnection> _onClosed;
    private readonly SocketFile? _socketFile;
    private int _connectionCount;
    private int _nextLoop = -1;
    private long _accepted;
    private long _rejected;
    private int _disposed;
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
        : this((group ?? throw new ArgumentNullException(nameof(group))).Reactors.ToArray(), endPoint, handlerFactory, options)
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
        _connections = loops.Select(_ => new HashSet<TcpConnection>()).ToArray();
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
            }
        }
        catch
        {
            foreach (Acceptor? acceptor in _acceptors)
            {
                acceptor?.Stop();
            }
            throw;
        }
        LocalEndPoint = _acceptors[0].LocalEndPoint;
        if (endPoint is System.Net.Sockets.UnixDomainSocketEndPoint unix && !SockAddr.IsAbstract(unix))
        {
            _socketFile = SocketFile.Record(unix.ToString()); // bind just created it: remember which file is ours
        }
        foreach (Acceptor acceptor in _acceptors)
        {
            acceptor.Start();
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

    /// <summary>Open connections per loop, in the order of the group's loops.</summary>
    public IReadOnlyList<int> ConnectionsPerLoop => _loopConnections.Select(c => Volatile.Read(ref c)).ToArray();

    /// <summary>Stops accepting and aborts (RST, <see cref="CloseReason.Shutdown"/>) every open connection. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        StopListening();
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i].Execute(static s => s.Server.ForEachConnection(s.Index, static c => c.AbortForShutdown()), new LoopIndex(this, i));
        }
    }

    /// <summary>
    /// Stops accepting, closes every connection gracefully (flushing its output) and waits until
    /// all have closed or <paramref name="timeout"/> passes; then aborts what is left.
    /// </summary>
    /// <param name="timeout">How long to wait for connections to finish.</param>
    /// <returns>True when every connection closed within the timeout.</returns>
    public async Task<bool> ShutdownAsync(TimeSpan timeout)
    {
        StopListening();
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        if (ConnectionCount == 0)
        {
            drained.TrySetResult();
        }
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i].Execute(static s => s.Server.ForEachConnection(s.Index, static c => c.Close()), new LoopIndex(this, i));
        }
        bool clean = await Task.WhenAny(drained.Task, Task.Delay(timeout)).ConfigureAwait(false) == drained.Task;
        Dispose();
        return clean;
    }

    private sealed record LoopIndex(TcpServer Server, int Index);

    private sealed record Handoff(TcpServer Server, int Fd, int Index, EndPoint? Remote, EndPoint Local);

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
    internal void Adopt(int fd, Reactor acceptLoop, EndPoint? remote, EndPoint local)
    {
        Interlocked.Increment(ref _accepted);
        acceptLoop.Metrics.Accepted();
        int max = _options.MaxConnections;
        if (Interlocked.Increment(ref _connectionCount) > max && max > 0)
        {
            Interlocked.Decrement(ref _connectionCount);
            Sockets.SetLingerZero(fd);
            FileDescriptor.Close(fd);
            CountRejected(1);
            acceptLoop.Metrics.Rejected("limit");
            Log.ConnectionRejected(acceptLoop.Logger, max);
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
        try
        {
            target.Post(static h => h.Server.StartConnection(h.Fd, h.Index, h.Remote, h.Local), new Handoff(this, fd, index, remote, local));
        }
        catch (ObjectDisposedException)
        {
            FileDescriptor.Close(fd);
            Forget(index);
        }
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

    private void StartConnection(int fd, int index, EndPoint? remote, EndPoint local)
    {
        Reactor loop = _loops[index];
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
