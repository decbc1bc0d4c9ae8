using System.Net;
using System.Net.Sockets;
using ReactorNet.Interop;

namespace ReactorNet.Tcp;

/// <summary>
/// One listening socket on one loop: accepts until EAGAIN (at most
/// <see cref="TcpServerOptions.MaxAcceptsPerWake"/> per event) and hands each descriptor to the server.
/// Out of descriptors (EMFILE/ENFILE), the pending connections would keep the listener readable
/// and spin the loop; the acceptor sheds them with a reserved spare descriptor and stops
/// watching the listener for a back-off that grows while the condition lasts.
/// </summary>
/// <remarks>
/// The acceptor also stops short of the descriptor limit: the .NET runtime needs descriptors of its
/// own while the server is full (each thread it starts holds a pipe for a moment; assemblies,
/// <c>/proc</c> and <c>/sys</c> files are opened on demand), and it reports a thread it could
/// not start as an <see cref="OutOfMemoryException"/>, which kills the process when it happens
/// on one of its own threads. The kernel hands out the lowest free number, so an accepted
/// descriptor numbered within <see cref="RuntimeReserve"/> of RLIMIT_NOFILE means fewer than that
/// many are left: it is shed like an EMFILE, and accepted connections never take the last ones.
/// </remarks>
internal sealed unsafe class Acceptor : IEventHandler, IReactorShutdownHandler
{
    private const int MinBackoffMs = 10;
    private const int MaxBackoffMs = 1000;

    /// <summary>
    /// Descriptors left to the rest of the process (a quarter of the limit when that is smaller).
    /// A thread start costs the runtime up to four at once (a pipe, a <c>/sys</c> file, the
    /// <c>/proc</c> file naming it), and several threads may start together.
    /// </summary>
    internal const int RuntimeReserve = 32;

    private readonly TcpServer _server;
    private readonly int _maxAccepts;
    private readonly bool _wildcard; // bound to 0.0.0.0 or ::, so each connection's local address differs
    private int _listenFd;
    private int _spareFd;
    private int _descriptorLimit; // RLIMIT_NOFILE, read again at each exhaustion (int.MaxValue: none)
    private int _descriptorCeiling; // an accepted descriptor numbered this or higher is shed
    private Registration _registration;
    private int _backoffMs = MinBackoffMs;
    private int _suppressedLogs;
    private long _lastLogTimestamp;

    public Acceptor(TcpServer server, Reactor reactor, EndPoint endPoint, TcpServerOptions options)
    {
        _server = server;
        Reactor = reactor;
        _maxAccepts = options.MaxAcceptsPerWake;
        _listenFd = Sockets.Create(endPoint);
        try
        {
            if (endPoint is IPEndPoint ip)
            {
                if (options.ReuseAddress)
                {
                    Sockets.SetInt(_listenFd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1, "SO_REUSEADDR");
                }
                if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.Address.Equals(IPAddress.IPv6Any))
                {
                    Sockets.SetInt(_listenFd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, options.DualMode ? 0 : 1, "IPV6_V6ONLY");
                }
            }
            if (options.ReusePort)
            {
                Sockets.SetInt(_listenFd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1, "SO_REUSEPORT");
            }
            Sockets.Bind(_listenFd, endPoint);
            Errno.ThrowIfError(Libc.listen(_listenFd, options.Backlog), "listen");
            LocalEndPoint = Sockets.LocalEndPoint(_listenFd) ?? endPoint;
            _wildcard = endPoint is IPEndPoint bound && (bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any));
            _spareFd = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
            ReadDescriptorLimit();
        }
        catch
        {
            FileDescriptor.Close(_listenFd);
            throw;
        }
    }

    public Reactor Reactor { get; }

    public EndPoint LocalEndPoint { get; }

    /// <summary>Starts watching the listener on the loop; false (descriptors closed) when the reactor is disposed.</summary>
    public bool Start()
    {
        if (Reactor.Execute(static a => a.StartInLoop(), this))
        {
            return true;
        }
        StopInLoop(); // no loop will ever run this acceptor: nobody else touches it
        return false;
    }

    /// <summary>Stops accepting and closes the listener and the spare descriptor.</summary>
    /// <remarks>
    /// A disposed reactor refuses the work. Its teardown has stopped every registered acceptor; one
    /// that never got registered (the server failed before starting it) is closed here, on the
    /// calling thread: the queue is closed, so no loop will ever touch this acceptor again, and the
    /// queue's lock orders the loop's last write of the registration before this read.
    /// </remarks>
    public void Stop()
    {
        if (!Reactor.Execute(static a => a.StopInLoop(), this) && _registration.Reactor is null)
        {
            StopInLoop();
        }
    }

    /// <summary>The reactor is being disposed: stop listening and release both descriptors.</summary>
    void IReactorShutdownHandler.OnReactorShutdown() => StopInLoop();

    private void StartInLoop()
    {
        if (_listenFd < 0)
        {
            return; // stopped before the loop got to start it
        }
        try
        {
            _registration = Reactor.Register(_listenFd, Interest.Readable, this, ownsFd: true);
        }
        catch (Exception ex)
        {
            Log.AcceptFailed(Reactor.Logger, ex);
            StopInLoop();
        }
    }

    private void StopInLoop()
    {
        if (_listenFd < 0)
        {
            return;
        }
        if (_registration.Reactor is null)
        {
            FileDescriptor.Close(_listenFd); // never registered (Start did not run)
        }
        else
        {
            _registration.Unregister(); // closes the owned fd, unless the disposed reactor already did
        }
        _listenFd = -1;
        FileDescriptor.Close(_spareFd);
        _spareFd = -1;
    }

    public void OnEvent(Registration registration, Readiness readiness)
    {
        // accept4 fills in the peer's address for free; it is captured now, while the descriptor
        // is certainly ours (B6: asking getpeername later may hit a closed, reused number).
        byte* peer = stackalloc byte[SockAddr.MaxSize];
        for (int i = 0; i < _maxAccepts; i++)
        {
            uint peerLength = SockAddr.MaxSize;
            int fd = Libc.accept4(_listenFd, peer, &peerLength, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd >= 0)
            {
                if (fd >= _descriptorCeiling)
                {
                    // Only the reserve is left: this client is shed (RST) like the ones still queued.
                    Sockets.SetLingerZero(fd);
                    FileDescriptor.Close(fd);
                    OutOfResources(Errno.EMFILE, shedAlready: 1);
                    return;
                }
                _backoffMs = MinBackoffMs;
                var remote = CapturedAddress.Read(peer, peerLength);
                EndPoint local = _wildcard ? Sockets.LocalEndPoint(fd) ?? LocalEndPoint : LocalEndPoint;
                _server.Adopt(fd, Reactor, remote, local);
                if (_listenFd < 0)
                {
                    return; // the server was stopped from a callback
                }
                continue;
            }
            int errno = Errno.Last; // logging below may P/Invoke and overwrite it
            switch (errno)
            {
                case Errno.EAGAIN:
                    return;
                case Errno.EINTR:
                case Errno.ECONNABORTED: // the client gave up while queued: try the next one
                case 71: // EPROTO
                    continue;
                case Errno.EMFILE:
                case Errno.ENFILE:
                case Errno.ENOBUFS:
                case Errno.ENOMEM:
                    OutOfResources(errno);
                    return;
                default:
                    Log.AcceptFailed(Reactor.Logger, new SystemCallException("accept4", errno));
                    OutOfResources(errno);
                    return;
            }
        }
    }

    private void OutOfResources(int errno, int shedAlready = 0)
    {
        // Shed what is queued: free the spare, accept into its slot, close at once (the client
        // sees the connection end instead of hanging in the queue), and take the spare back. Another
        // thread may take the freed slot first (the runtime opens files too): then the spare is
        // missing until a later shed finds a free number for it, and shedding works as long as the
        // reserve has room.
        FileDescriptor.Close(_spareFd);
        int shed = shedAlready;
        int fd;
        while (shed < _maxAccepts && (fd = Libc.accept4(_listenFd, null, null, Libc.SOCK_CLOEXEC)) >= 0)
        {
            Sockets.SetLingerZero(fd);
            FileDescriptor.Close(fd);
            shed++;
        }
        _spareFd = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
        ReadDescriptorLimit(); // the process may have raised (or lowered) it since
        for (int i = 0; i < shed; i++)
        {
            Reactor.Metrics.Rejected(Errno.Name(errno));
        }
        _server.CountRejected(shed);

        // Whatever is still queued (or arrives) must not wake us every round: pause the listener.
        _registration.Modify(Interest.None);
        Reactor.Schedule(TimeSpan.FromMilliseconds(_backoffMs), static a => a.Resume(), this);
        long now = Reactor.LoopTimestamp;
        if (now - _lastLogTimestamp >= System.Diagnostics.Stopwatch.Frequency)
        {
            string error = shedAlready == 0
                ? Errno.Name(errno)
                : $"{Errno.Name(errno)} (descriptor limit {_descriptorLimit}, the last {_descriptorLimit - _descriptorCeiling} kept for the runtime)";
            Log.AcceptExhausted(Reactor.Logger, error, _backoffMs, _suppressedLogs);
            _lastLogTimestamp = now;
            _suppressedLogs = 0;
        }
        else
        {
            _suppressedLogs++;
        }
        _backoffMs = Math.Min(_backoffMs * 2, MaxBackoffMs);
    }

    private void ReadDescriptorLimit()
    {
        Libc.RLimit limit;
        _descriptorLimit = Libc.getrlimit(Libc.RLIMIT_NOFILE, &limit) == 0 && limit.Current < int.MaxValue ? (int)limit.Current : int.MaxValue;
        _descriptorCeiling = _descriptorLimit == int.MaxValue ? int.MaxValue : _descriptorLimit - Math.Min(RuntimeReserve, _descriptorLimit / 4);
    }

    private void Resume()
    {
        if (_listenFd >= 0 && _registration.IsActive)
        {
            _registration.Modify(Interest.Readable);
        }
    }
}
