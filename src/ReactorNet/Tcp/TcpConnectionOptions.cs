namespace ReactorNet.Tcp;

/// <summary>Per-connection transport settings: output limits and timeouts.</summary>
public sealed class TcpConnectionOptions
{
    /// <summary>Shared defaults.</summary>
    public static TcpConnectionOptions Default { get; } = new();

    /// <summary>
    /// Pending output at or above this pauses reading from the peer and tells the application to
    /// stop producing (default 256 KiB).
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
    /// Close a connection on which nothing was read or written for this long. Zero (default),
    /// <see cref="Timeout.InfiniteTimeSpan"/> and <see cref="TimeSpan.MaxValue"/> disable it.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How long a graceful close waits for the peer's FIN after sending ours (default 5 s). Zero,
    /// <see cref="Timeout.InfiniteTimeSpan"/> and <see cref="TimeSpan.MaxValue"/> mean no timeout: wait for the FIN.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

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
