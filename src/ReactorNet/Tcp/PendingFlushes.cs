namespace ReactorNet.Tcp;

/// <summary>
/// The connections of one loop that gathered output outside their own dispatch (a timer, posted
/// work, another connection's handler as in a proxy): the loop writes each once, right before it
/// may block again (<see cref="Reactor.BeforeBlock"/>). Loop thread only: no locks.
/// </summary>
internal sealed class PendingFlushes
{
    private readonly List<TcpConnection> _connections = [];
    private bool _flushing;

    public void Add(TcpConnection connection) => _connections.Add(connection);

    /// <summary>Writes every listed connection's output; connections listed meanwhile (by callbacks this runs) are written too.</summary>
    public void FlushAll()
    {
        if (_connections.Count == 0 || _flushing)
        {
            return; // nothing listed, or a callback of this very pass got here: the pass goes on
        }
        _flushing = true;
        try
        {
            for (int i = 0; i < _connections.Count; i++)
            {
                _connections[i].FlushPending();
            }
        }
        finally
        {
            _connections.Clear();
            _flushing = false;
        }
    }
}
