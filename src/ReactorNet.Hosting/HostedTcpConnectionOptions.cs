using ReactorNet.Tcp;

namespace ReactorNet.Hosting;

/// <summary>
/// Per-connection settings of a hosted server, bound from <c>ReactorNet:Servers:NAME:Connection</c>.
/// A setting left unset (<see langword="null"/>) keeps the library's default from
/// <see cref="TcpConnectionOptions"/>; validation is the library's, when the server starts.
/// </summary>
public sealed class HostedTcpConnectionOptions
{
    /// <summary>See <see cref="TcpConnectionOptions.HighWaterMark"/>.</summary>
    public int? HighWaterMark { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.LowWaterMark"/>.</summary>
    public int? LowWaterMark { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.MaxPendingOutputBytes"/>.</summary>
    public int? MaxPendingOutputBytes { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.MaxInputBufferBytes"/>.</summary>
    public int? MaxInputBufferBytes { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.IdleTimeout"/> (configuration: <c>hh:mm:ss</c>).</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.CloseTimeout"/> (configuration: <c>hh:mm:ss</c>).</summary>
    public TimeSpan? CloseTimeout { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.MaxLoopPendingOutputBytes"/>.</summary>
    public long? MaxLoopPendingOutputBytes { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.NoDelay"/>.</summary>
    public bool? NoDelay { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.PauseReadingAtHighWaterMark"/>.</summary>
    public bool? PauseReadingAtHighWaterMark { get; set; }

    /// <summary>See <see cref="TcpConnectionOptions.WriteStallTimeout"/> (configuration: <c>hh:mm:ss</c>).</summary>
    public TimeSpan? WriteStallTimeout { get; set; }

    /// <summary>The library options these settings describe.</summary>
    /// <returns>A new <see cref="TcpConnectionOptions"/> (never the shared <see cref="TcpConnectionOptions.Default"/>).</returns>
    public TcpConnectionOptions ToTcpConnectionOptions()
    {
        TcpConnectionOptions defaults = TcpConnectionOptions.Default;
        return new TcpConnectionOptions
        {
            HighWaterMark = HighWaterMark ?? defaults.HighWaterMark,
            LowWaterMark = LowWaterMark ?? defaults.LowWaterMark,
            MaxPendingOutputBytes = MaxPendingOutputBytes ?? defaults.MaxPendingOutputBytes,
            MaxInputBufferBytes = MaxInputBufferBytes ?? defaults.MaxInputBufferBytes,
            IdleTimeout = IdleTimeout ?? defaults.IdleTimeout,
            CloseTimeout = CloseTimeout ?? defaults.CloseTimeout,
            MaxLoopPendingOutputBytes = MaxLoopPendingOutputBytes ?? defaults.MaxLoopPendingOutputBytes,
            NoDelay = NoDelay ?? defaults.NoDelay,
            PauseReadingAtHighWaterMark = PauseReadingAtHighWaterMark ?? defaults.PauseReadingAtHighWaterMark,
            WriteStallTimeout = WriteStallTimeout ?? defaults.WriteStallTimeout,
        };
    }
}
