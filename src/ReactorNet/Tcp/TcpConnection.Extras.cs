namespace ReactorNet.Tcp;

public sealed partial class TcpConnection
{
    // State most connections never need, made on first use: one reference per connection instead
    // of the fields below (at 10,000 connections the heap is most of a server's memory: issue #10).
    // Loop thread only, like everything it holds.
    private Extras? _extras;

    private Extras Extra => _extras ??= new Extras();

    /// <summary>Test seam: runs at the start of each event's dispatch, of each batch write and of each piece of the connection's own work run outside a dispatch (<see cref="Contained"/>), to inject a fault of the transport itself. Loop thread.</summary>
    internal Action? FaultHook
    {
        get => _extras?.FaultHook;
        set => Extra.FaultHook = value;
    }

    private sealed class Extras
    {
        /// <summary>Bounds the wait for the peer's FIN after a graceful close sent ours.</summary>
        public ReactorTimer? CloseTimer { get; set; }

        /// <summary>Checks that queued output makes progress (<see cref="TcpConnectionOptions.WriteStallTimeout"/>).</summary>
        public ReactorTimer? StallTimer { get; set; }

        public bool StallTimerArmed { get; set; }

        /// <summary>The <see cref="Output"/> writer, made on first use.</summary>
        public OutputWriter? Writer { get; set; }

        public Action? FaultHook { get; set; }
    }
}
