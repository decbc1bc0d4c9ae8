using System.Net;
using Microsoft.Extensions.Logging;
using ReactorNet.Framing;
using ReactorNet.Tcp;

namespace ReactorNet.Benchmarks.Framed;

/// <summary>
/// The length-prefixed request/response server: a <see cref="ReactorGroup"/> of N loops and a
/// <see cref="TcpServer"/> whose connections answer each frame with the same frame. Run as a
/// process by pipeline.sh (Program.cs) and in-process by the BenchmarkDotNet suite.
/// </summary>
public sealed class FramedEchoServer : IDisposable
{
    /// <summary>The longest payload accepted; a longer announced length resets the connection (<see cref="CloseReason.FrameTooLarge"/>).</summary>
    public const int MaxFrameLength = 1024 * 1024;

    private static readonly LengthPrefixFramer Framer = new(prefixLength: 4, MaxFrameLength);

    private readonly ReactorGroup _loops;
    private readonly TcpServer _server;

    /// <param name="endPoint">Where to listen (port 0: any free port).</param>
    /// <param name="loops">Event loops (threads).</param>
    /// <param name="flushEach">Flush() after every reply (one write per reply) instead of one write per read batch.</param>
    /// <param name="loggerFactory">Logging; none by default.</param>
    /// <param name="backlog">listen() backlog.</param>
    public FramedEchoServer(IPEndPoint endPoint, int loops, bool flushEach, ILoggerFactory? loggerFactory = null, int backlog = 4096)
    {
        _loops = new ReactorGroup(loops, new ReactorOptions { LoggerFactory = loggerFactory });
        try
        {
            _server = new TcpServer(_loops, endPoint, () => new FramedEchoHandler(Framer, flushEach, Totals),
                new TcpServerOptions { Backlog = backlog });
            _loops.Start();
        }
        catch
        {
            _loops.Dispose();
            throw;
        }
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_server.LocalEndPoint;

    /// <summary>Requests and write calls, counted as connections close.</summary>
    public FrameTotals Totals { get; } = new();

    /// <summary>Stops accepting, lets connections finish for up to <paramref name="grace"/> (or until <paramref name="stopNow"/>), then stops the loops.</summary>
    public void Shutdown(TimeSpan grace, CancellationToken stopNow = default)
    {
        using var graceOver = CancellationTokenSource.CreateLinkedTokenSource(stopNow);
        graceOver.CancelAfter(grace);
        _server.ShutdownAsync(graceOver.Token).GetAwaiter().GetResult();
        _loops.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _server.Dispose();
        _loops.Dispose();
    }
}
