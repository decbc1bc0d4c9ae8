using System.Net;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Echo;

/// <summary>
/// The reactor echo server: a <see cref="ReactorGroup"/> of N loops (one per core is the usual
/// choice) and a <see cref="TcpServer"/> spreading connections over them. Also started in-process
/// by the benchmarks.
/// </summary>
public sealed class ReactorEchoServer : IDisposable
{
    private readonly ReactorGroup _loops;
    private readonly TcpServer _server;
    private readonly ILogger _logger;

    /// <param name="endPoint">Where to listen.</param>
    /// <param name="loops">Event loops (threads).</param>
    /// <param name="protocol">Plain echo or line mode.</param>
    /// <param name="loggerFactory">Logging; none by default.</param>
    /// <param name="backlog">listen() backlog.</param>
    /// <param name="reactorOptions">Loop settings.</param>
    /// <param name="maxConnections">Open connections beyond this are refused; 0 for no limit.</param>
    /// <param name="idleTimeout">A connection idle this long is closed; zero for never.</param>
    public ReactorEchoServer(IPEndPoint endPoint, int loops, EchoProtocol protocol, ILoggerFactory? loggerFactory = null, int backlog = 4096, ReactorOptions? reactorOptions = null,
        int maxConnections = 0, TimeSpan idleTimeout = default)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        reactorOptions ??= new ReactorOptions();
        if (reactorOptions.LoggerFactory is null && loggerFactory is not null)
        {
            reactorOptions = new ReactorOptions
            {
                MaxEventsPerWait = reactorOptions.MaxEventsPerWait,
                SpinBeforeBlock = reactorOptions.SpinBeforeBlock,
                ThreadName = reactorOptions.ThreadName,
                MeterFactory = reactorOptions.MeterFactory,
                LoggerFactory = loggerFactory,
            };
        }
        _loops = new ReactorGroup(loops, reactorOptions);
        try
        {
            ILogger logger = _logger = loggerFactory?.CreateLogger("EchoServer") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
            var handler = new EchoHandler(protocol, logger);
            _server = new TcpServer(_loops, endPoint, () => handler, new TcpServerOptions
            {
                Backlog = backlog,
                MaxConnections = maxConnections,
                // Each connection may queue up to 16 MiB for a slow reader (the library default); the
                // loop-wide cap bounds what all of a loop's slow readers hold together.
                Connection = new TcpConnectionOptions { IdleTimeout = idleTimeout, MaxLoopPendingOutputBytes = 256L << 20 },
            });
            _loops.Start();
        }
        catch
        {
            _loops.Dispose();
            throw;
        }
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_server.LocalEndPoint;

    public TcpServer Server => _server;

    /// <summary>
    /// Stops accepting, lets connections finish (flushing their output, then waiting for the
    /// client's FIN) for up to <paramref name="grace"/> or until <paramref name="stopNow"/> is
    /// cancelled, aborts what is left, then stops the loops.
    /// </summary>
    public void Shutdown(TimeSpan grace, CancellationToken stopNow = default)
    {
        int open = _server.ConnectionCount;
        if (open > 0)
        {
            SampleLog.WaitingForClients(_logger, grace.TotalSeconds, open);
        }
        using var graceOver = CancellationTokenSource.CreateLinkedTokenSource(stopNow);
        graceOver.CancelAfter(grace);
        _server.ShutdownAsync(graceOver.Token).GetAwaiter().GetResult();
        _loops.Dispose();
    }

    public void Dispose()
    {
        _server.Dispose();
        _loops.Dispose();
    }
}
