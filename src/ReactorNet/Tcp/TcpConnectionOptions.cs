namespace ReactorNet.Tcp;

/// <summary>Per-connection transport settings: output limits and timeouts.</summary>
public sealed class TcpConnectionOptions
{
    /// <summary>Shared defaults.</summary>
    public static TcpConnectionOptions Default { get; } = new();

    /// <summary>
    /// Pending output at or above this tells the application to stop producing
    /// (<see cref="IConnectionHandler.OnWritabilityChanged"/> false) and, with
    /// <see cref="PauseReadingAtHighWaterMark"/>, pauses reading from the peer (default 256 KiB).
    /// </summary>
    public int HighWaterMark { get; init; } = 256 * 1024;

    /// <summary>Pending output at or below this resumes reading and tells the application to produce again (default 64 KiB).</summary>
    public int LowWaterMark { get; init; } = 64 * 1024;

    /// <summary>
    /// Pending output above this closes the connection (<see cref="CloseReason.OutputLimitExceeded"/>),
    /// so a peer that never reads cannot grow server memory without bound (default 16 MiB).
    /// </summary>
    public int MaxPendingOutputBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Whether crossing <see cref="HighWaterMark"/> also stops reading from this peer until output
    /// drains to <see cref="LowWaterMark"/> (default true). False: the mark only notifies and
    /// reading goes on; the application owns backpressure (a proxy pauses the other side).
    /// </summary>
    public bool PauseReadingAtHighWaterMark { get; init; } = true;

    /// <summary>
    /// Output pending and not one byte taken by the kernel for this long resets the connection
    /// (<see cref="CloseReason.WriteStalled"/>): a peer that stopped reading cannot hold memory or a
    /// closing connection for ever (default 30 s). Applies to the flush before a FIN too.
    /// <see cref="TimeSpan.Zero"/>, <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> turn it off.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    public TimeSpan WriteStallTimeout
    {
        get => _writeStallTimeout;
        init => _writeStallTimeout = Timeouts.Validate(value, nameof(WriteStallTimeout));
    }

    private readonly TimeSpan _writeStallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Close a connection on which nothing was read or written for this long. Zero (default),
    /// <see cref="Timeout.InfiniteTimeSpan"/> and <see cref="TimeSpan.MaxValue"/> disable it.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How long <see cref="TcpConnection.Close"/> waits for the peer's FIN after sending ours
    /// (default 5 s); the clock starts at our FIN, that is once all pending output was written
    /// (<see cref="WriteStallTimeout"/> bounds that part). On expiry the descriptor is closed
    /// without RST, so the kernel still delivers the output it accepted
    /// (<see cref="CloseReason.CloseTimeout"/>). Zero, <see cref="Timeout.InfiniteTimeSpan"/> or
    /// <see cref="TimeSpan.MaxValue"/>: wait for ever.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most unconsumed input a connection keeps (default 1 MiB): bytes
    /// <see cref="IConnectionHandler.OnData"/> left unconsumed, waiting for the rest of a frame.
    /// Past it the connection is reset (<see cref="CloseReason.InputLimitExceeded"/>), so a peer
    /// that sends a frame which never ends cannot grow server memory without bound.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero or negative.</exception>
    public int MaxInputBufferBytes
    {
        get => _maxInputBufferBytes;
        init => _maxInputBufferBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxInputBufferBytes), value, "Must be positive.");
    }

    private readonly int _maxInputBufferBytes = 1024 * 1024;

    /// <summary>
    /// A cap on the output pending in user space on this connection's loop as a whole: the sum over
    /// every connection of that loop which sets this option (0, the default: no loop-wide cap). A
    /// send that would pass it is refused and its connection reset
    /// (<see cref="CloseReason.OutputLimitExceeded"/>), as for <see cref="MaxPendingOutputBytes"/>.
    /// With 10,000 connections, <see cref="MaxPendingOutputBytes"/> alone still allows 160 GiB; this
    /// bounds the total a loop can be made to hold by many slow readers at once. Counting costs one
    /// atomic add per send and per write, paid only by connections that set it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public long MaxLoopPendingOutputBytes
    {
        get => _maxLoopPendingOutputBytes;
        init => _maxLoopPendingOutputBytes = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxLoopPendingOutputBytes), value, "Must be zero (no loop-wide cap) or positive.");
    }

    private readonly long _maxLoopPendingOutputBytes;

    /// <summary>Set TCP_NODELAY (disable Nagle's algorithm) on TCP connections (default true).</summary>
    public bool NoDelay { get; init; } = true;

    internal void Validate()
    {
        if (LowWaterMark < 0 || HighWaterMark <= LowWaterMark || MaxPendingOutputBytes < HighWaterMark)
        {
            throw new ArgumentException($"Need 0 <= LowWaterMark ({LowWaterMark}) < HighWaterMark ({HighWaterMark}) <= MaxPendingOutputBytes ({MaxPendingOutputBytes}).");
        }
        Timeouts.Validate(IdleTimeout, nameof(IdleTimeout));
        Timeouts.Validate(CloseTimeout, nameof(CloseTimeout));
    }

}
