namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>
/// One client event loop: a <see cref="ReactorNet.Reactor"/> on its own thread, the connections
/// it drives, the scratch buffers they share (only the loop thread touches them, one callback at a
/// time) and its own counters and histogram, so loops never contend with each other.
/// </summary>
internal sealed class LoadWorker : IDisposable
{
    private const int ScratchSize = 64 * 1024;
    private readonly List<LoadConnection> _connections = [];
    private bool _started;

    public LoadWorker(int index, LoadRunState run)
    {
        Run = run;
        Reactor = new Reactor(new ReactorOptions { MaxEventsPerWait = 1024, ThreadName = $"echoload-{index}" });
    }

    public Reactor Reactor { get; }
    public LoadRunState Run { get; }
    public LoadCounters Counters { get; } = new();
    public LatencyHistogram Histogram { get; } = new();
    public byte[] SendBuffer { get; } = new byte[ScratchSize];
    public byte[] ReceiveBuffer { get; } = new byte[ScratchSize];

    public void Start()
    {
        Reactor.Start();
        _started = true;
    }

    /// <summary>Creates connection <paramref name="id"/> on this loop and starts connecting it (from any thread).</summary>
    public void Connect(int id)
    {
        var connection = new LoadConnection(this, id);
        _connections.Add(connection); // main thread only; the loop never reads the list
        Reactor.Post(static c => c.Connect(), connection);
    }

    /// <summary>Fails every connection still connecting (the connect phase has timed out).</summary>
    public void AbortPendingConnects() =>
        Reactor.Post(static w =>
        {
            foreach (LoadConnection c in w._connections)
            {
                c.AbortIfConnecting();
            }
        }, this);

    /// <summary>Stops the loop and waits for it, so that its counters and histogram are final.</summary>
    public void Stop()
    {
        Reactor.Stop();
        if (_started)
        {
            Reactor.Completion.Wait(TimeSpan.FromSeconds(10));
        }
    }

    public void Dispose()
    {
        Reactor.Dispose(); // closes the epoll instance; the sockets own their descriptors
        foreach (LoadConnection c in _connections)
        {
            c.DisposeSocket();
        }
    }
}
