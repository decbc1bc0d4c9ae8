using System.Net;
using Microsoft.Extensions.Logging;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Proxy;

/// <summary>
/// A <see cref="ReactorGroup"/> and a <see cref="TcpServer"/> whose every accepted connection is
/// paired with a connection to the upstream on the same loop (<see cref="ProxyPair"/>).
/// </summary>
public sealed class ProxyServer : IDisposable
{
    private readonly ReactorGroup _loops;
    private readonly TcpServer _server;

    public ProxyServer(ProxyOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndPoint upstream = options.Upstream ?? throw new ArgumentException("No upstream.", nameof(options));
        _loops = new ReactorGroup(options.Loops, new ReactorOptions { LoggerFactory = loggerFactory });
        try
        {
            ILogger logger = loggerFactory?.CreateLogger("TcpProxy") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
            _server = new TcpServer(_loops, options.EndPoint, () => new ProxyPair(upstream, logger).Downstream, new TcpServerOptions
            {
                MaxConnections = 10_000,
                Connection = ProxyPair.ConnectionOptions,
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

    /// <summary>
    /// Stops accepting, closes client connections gracefully for up to <paramref name="grace"/> (or until
    /// <paramref name="stopNow"/> fires: a second Ctrl+C), then stops the loops, which closes the rest.
    /// </summary>
    public void Shutdown(TimeSpan grace, CancellationToken stopNow = default)
    {
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
