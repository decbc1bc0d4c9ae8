using Microsoft.Extensions.Logging;

namespace ReactorNet;

/// <summary>
/// Settings for a <see cref="Reactor"/>. Immutable once built (init-only), so one instance may be
/// shared by every loop of a <see cref="ReactorGroup"/>; validated when a reactor is created.
/// </summary>
public sealed class ReactorOptions
{
    /// <summary>
    /// How many events one <c>epoll_wait</c> may return (default 256). Larger batches mean fewer
    /// system calls under load; the kernel hands out the rest on the next round, round-robin.
    /// </summary>
    public int MaxEventsPerWait { get; init; } = 256;

    /// <summary>
    /// Busy-poll <c>epoll_wait</c> with a zero timeout for up to this long before sleeping (default
    /// zero: never spin). Spinning trades a CPU core for the wake-up latency of a sleeping thread; it
    /// helps a loop with very few, chatty connections and wastes a core otherwise.
    /// </summary>
    public TimeSpan SpinBeforeBlock { get; init; } = TimeSpan.Zero;

    /// <summary>Where the reactor logs; <see langword="null"/> logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Where the reactor's instruments are created (meter <c>Reactor</c>); <see langword="null"/>
    /// uses one process-wide meter, which is what <c>dotnet-counters</c> sees.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// A callback (event handler, timer or posted work) that holds the loop longer than this is
    /// logged once per episode as a warning naming the handler's type, and counted by the metric
    /// <c>reactor.loop.stalls</c> (default 100 ms): nothing else on the loop runs meanwhile.
    /// <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> switches detection off.
    /// One shared pool timer watches every loop, ticking at a quarter of the smallest threshold.
    /// </summary>
    public TimeSpan StallThreshold { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The name of the thread <see cref="Reactor.Start"/> creates (default <c>reactor</c>).</summary>
    public string ThreadName { get; init; } = "reactor";

    internal void Validate()
    {
        if (MaxEventsPerWait is < 1 or > 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventsPerWait), MaxEventsPerWait, "MaxEventsPerWait must be between 1 and 1048576.");
        }
        Timeouts.Validate(StallThreshold, nameof(StallThreshold));
        if (SpinBeforeBlock < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SpinBeforeBlock), SpinBeforeBlock, "SpinBeforeBlock cannot be negative.");
        }
    }
}
