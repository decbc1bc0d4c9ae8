using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Http.Protocol;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Http.Transport;

/// <summary>
/// The HTTP server as an <see cref="IConnectionHandler"/>: one instance serves every connection of
/// every loop; each connection's state lives in <see cref="TcpConnection.UserState"/>, each loop's
/// in an <see cref="HttpLoop"/>.
/// </summary>
public sealed class HttpConnectionHandler : IConnectionHandler
{
    private readonly Dictionary<Reactor, HttpLoop> _loops;
    private readonly ILogger _logger;

    /// <summary>Creates the handler for connections on <paramref name="reactors"/>.</summary>
    public HttpConnectionHandler(IEnumerable<Reactor> reactors, HttpServerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(reactors);
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _loops = reactors.ToDictionary(r => r, r => new HttpLoop(r, options));
    }

    /// <summary>Open connections (for tests and diagnostics; read it on no particular thread, it is a snapshot).</summary>
    public int ConnectionCount => _loops.Values.Sum(l => l.ConnectionCount);

    /// <summary>Starts each loop's timer (Date refresh and timeouts).</summary>
    public void Start()
    {
        foreach (HttpLoop loop in _loops.Values)
        {
            loop.Start();
        }
    }

    /// <summary>Cancels the timers.</summary>
    public void Stop()
    {
        foreach (HttpLoop loop in _loops.Values)
        {
            loop.Stop();
        }
    }

    /// <inheritdoc/>
    public void OnConnected(TcpConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        HttpLoop loop = _loops[connection.Reactor];
        var http = new HttpConnection(connection, loop, _logger);
        loop.Add(http);
        connection.UserState = http;
    }

    /// <inheritdoc/>
    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.UserState is HttpConnection http ? http.OnData(data) : data.Length;
    }

    /// <inheritdoc/>
    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        ArgumentNullException.ThrowIfNull(connection);
        (connection.UserState as HttpConnection)?.OnClosed();
        connection.UserState = null;
    }
}
