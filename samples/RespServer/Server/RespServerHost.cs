using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReactorNet.Samples.Resp.Commands;
using ReactorNet.Samples.Resp.Storage;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Resp.Server;

/// <summary>
/// The Redis-protocol server: N event loops, one keyspace. Connections are spread over the loops;
/// every command runs under <see cref="ServerState.Gate"/>, so with several loops each command is
/// still atomic and each client's commands keep their order. Active expiry (and the shrinking of an
/// emptied table) runs on the first loop's timer, 10 times a second, as Redis's default <c>hz 10</c>.
/// </summary>
public sealed class RespServerHost : IDisposable
{
    /// <summary>Period of active expiry (Redis: hz 10).</summary>
    public static readonly TimeSpan ActiveExpirePeriod = TimeSpan.FromMilliseconds(100);

    private readonly ReactorGroup _loops;
    private readonly TcpServer _server;
    private readonly ReactorTimer _expiry;

    public RespServerHost(IPEndPoint endPoint, int loops, long maxMemory = 0, RespLimits? limits = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMemory);
        limits ??= new RespLimits();
        State = new ServerState(new Keyspace { MaxMemory = maxMemory });
        _loops = new ReactorGroup(loops, new ReactorOptions { LoggerFactory = loggerFactory });
        try
        {
            ILogger logger = loggerFactory?.CreateLogger("RespServer") ?? NullLogger.Instance;
            var handler = new RespConnectionHandler(State, CommandTable.Default, limits, logger);
            _server = new TcpServer(_loops, endPoint, () => handler, new TcpServerOptions { Connection = ConnectionOptions(limits) });
            State.Port = ((IPEndPoint)_server.LocalEndPoint).Port;
            _expiry = _loops.Reactors[0].Schedule(ActiveExpirePeriod, static state =>
            {
                lock (state.Gate)
                {
                    state.Keyspace.Tick();
                }
            }, State, period: ActiveExpirePeriod);
            _loops.Start();
        }
        catch
        {
            _loops.Dispose();
            throw;
        }
    }

    public ServerState State { get; }

    /// <summary>
    /// The client limits are the transport's own: the query buffer limit caps the input a request
    /// leaves unfinished, the reply limit caps output the kernel has not taken (gathered replies
    /// count from the first byte, so a limit below the 64 KiB batch write also bounds one batch).
    /// Crossing the high-water mark stops a pipeline until the client reads: it must not lie above
    /// the limit, or a non-reading client would be dropped where it could have been paused.
    /// </summary>
    internal static TcpConnectionOptions ConnectionOptions(RespLimits limits)
    {
        int highWaterMark = Math.Min(TcpConnectionOptions.Default.HighWaterMark, limits.MaxPendingReplyBytes);
        return new TcpConnectionOptions
        {
            MaxInputBufferBytes = limits.MaxQueryBufferBytes,
            MaxPendingOutputBytes = limits.MaxPendingReplyBytes,
            HighWaterMark = highWaterMark,
            LowWaterMark = Math.Min(TcpConnectionOptions.Default.LowWaterMark, highWaterMark / 2),
        };
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_server.LocalEndPoint;

    /// <summary>The event loops (for tests and diagnostics).</summary>
    public IReadOnlyList<Reactor> Loops => _loops.Reactors;

    /// <summary>Stops accepting, lets connections finish (flushing their replies) for up to <paramref name="grace"/>, then stops the loops.</summary>
    public void Shutdown(TimeSpan grace, CancellationToken stopNow = default)
    {
        _expiry.Cancel();
        using var graceOver = CancellationTokenSource.CreateLinkedTokenSource(stopNow);
        graceOver.CancelAfter(grace);
        _server.ShutdownAsync(graceOver.Token).GetAwaiter().GetResult();
        _loops.Dispose();
    }

    public void Dispose()
    {
        _expiry.Cancel();
        _server.Dispose();
        _loops.Dispose();
    }
}
