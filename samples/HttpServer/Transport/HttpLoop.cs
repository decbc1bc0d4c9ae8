using ReactorNet.Samples.Http.Protocol;

namespace ReactorNet.Samples.Http.Transport;

/// <summary>
/// The HTTP state of one event loop: its sessions' shared context and its
/// connections, which one periodic loop timer visits to refresh <c>Date</c> and enforce timeouts
/// (one timer per loop instead of one per connection: nothing is allocated per request).
/// Everything here runs on the loop's thread.
/// </summary>
internal sealed class HttpLoop(Reactor reactor, HttpServerOptions options)
{
    private readonly List<HttpConnection> _connections = [];
    private ReactorTimer? _timer;

    public Reactor Reactor { get; } = reactor;

    public HttpLoopContext Context { get; } = new(options);

    public int ConnectionCount => _connections.Count;

    public void Start() =>
        _timer = Reactor.Schedule(Context.Options.TimerPeriod, static loop => loop.Tick(), this, Context.Options.TimerPeriod);

    public void Stop() => _timer?.Cancel();

    public void Add(HttpConnection connection)
    {
        connection.LoopIndex = _connections.Count;
        _connections.Add(connection);
    }

    /// <summary>O(1): the last connection takes the removed one's place.</summary>
    public void Remove(HttpConnection connection)
    {
        int index = connection.LoopIndex;
        if (index < 0)
        {
            return;
        }
        HttpConnection last = _connections[^1];
        _connections[index] = last;
        last.LoopIndex = index;
        _connections.RemoveAt(_connections.Count - 1);
        connection.LoopIndex = -1;
    }

    private void Tick()
    {
        Context.Date.Refresh();
        long now = Environment.TickCount64;
        // Backwards: a connection that closes removes itself, moving the last one (already visited) into its slot.
        for (int i = _connections.Count - 1; i >= 0; i--)
        {
            if (i < _connections.Count)
            {
                _connections[i].OnTimer(now);
            }
        }
    }
}
