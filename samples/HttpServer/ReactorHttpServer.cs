using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReactorNet.Samples.Http.Protocol;
using ReactorNet.Samples.Http.Transport;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Http;

/// <summary>
/// The HTTP/1.1 server: a <see cref="ReactorGroup"/> of N loops, a <see cref="TcpServer"/> spreading
/// connections over them, and the <see cref="HttpConnectionHandler"/>. Also started in-process by tests.
/// </summary>
public sealed class ReactorHttpServer : IDisposable
{
    private readonly ReactorGroup _loops;
    private readonly TcpServer _server;
    private readonly HttpConnectionHandler _handler;

    /// <summary>Binds, listens and starts the loops.</summary>
    public ReactorHttpServer(IPEndPoint endPoint, int loops, HttpServerOptions? options = null, ILoggerFactory? loggerFactory = null, int backlog = 4096)
    {
        options ??= new HttpServerOptions();
        _loops = new ReactorGroup(loops, new ReactorOptions { LoggerFactory = loggerFactory });
        try
        {
            ILogger logger = loggerFactory?.CreateLogger("HttpServer") ?? NullLogger.Instance;
            _handler = new HttpConnectionHandler(_loops.Reactors, options, logger);
            // The largest response is an echoed body: let two of them be pending before the transport gives up.
            long maxPending = Math.Max(TcpConnectionOptions.Default.MaxPendingOutputBytes, (2 * options.Limits.MaxBodyLength) + (1 << 20));
            var connectionOptions = new TcpConnectionOptions { MaxPendingOutputBytes = (int)Math.Min(int.MaxValue, maxPending) };
            _server = new TcpServer(_loops, endPoint, () => _handler, new TcpServerOptions { Backlog = backlog, Connection = connectionOptions });
            _loops.Start();
            _handler.Start();
        }
        catch
        {
            _loops.Dispose();
            throw;
        }
    }

    /// <summary>The bound endpoint (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_server.LocalEndPoint;

    /// <summary>The event loops (for tests and diagnostics).</summary>
    public IReadOnlyList<Reactor> Loops => _loops.Reactors;

    /// <summary>Open HTTP connections.</summary>
    public int ConnectionCount => _handler.ConnectionCount;

    /// <summary>
    /// Stops accepting and closes every connection gracefully: responses already written are flushed
    /// before FIN (up to <paramref name="grace"/>); then stops the loops.
    /// </summary>
    public void Shutdown(TimeSpan grace)
    {
        using var deadline = new CancellationTokenSource();
        if (grace > TimeSpan.Zero && grace.TotalMilliseconds < uint.MaxValue - 1)
        {
            deadline.CancelAfter(grace); // zero, infinite or too long for a timer: no time limit
        }
        _server.ShutdownAsync(deadline.Token).GetAwaiter().GetResult();
        _handler.Stop();
        _loops.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _server.Dispose();
        _handler.Stop();
        _loops.Dispose();
    }
}
