using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Hosting;

/// <summary>
/// The hosted loop group: how many loops and how each runs. Bound from the configuration section
/// <c>ReactorNet:Loops</c>. A setting left unset (<see langword="null"/>) keeps the library's
/// default from <see cref="ReactorOptions"/>.
/// </summary>
/// <remarks>
/// These are plain settable properties (not <see cref="ReactorOptions"/> itself) so configuration
/// binding works with the binder's source generator, and the logger and meter factories are never
/// "configured": they always come from dependency injection.
/// </remarks>
public sealed class ReactorGroupOptions
{
    /// <summary>How many loops (threads); 0 (default) means one per processor.</summary>
    public int LoopCount { get; set; }

    /// <summary>See <see cref="ReactorOptions.MaxEventsPerWait"/>.</summary>
    public int? MaxEventsPerWait { get; set; }

    /// <summary>See <see cref="ReactorOptions.SpinBeforeBlock"/>.</summary>
    public TimeSpan? SpinBeforeBlock { get; set; }

    /// <summary>See <see cref="ReactorOptions.StallThreshold"/>.</summary>
    public TimeSpan? StallThreshold { get; set; }

    /// <summary>See <see cref="ReactorOptions.ThreadName"/> (each loop adds <c>-N</c>).</summary>
    public string? ThreadName { get; set; }

    /// <summary>The library options these settings describe, logging and measuring through the given factories.</summary>
    /// <param name="loggerFactory">Where the loops log (the host's, from dependency injection).</param>
    /// <param name="meterFactory">Where the loops' instruments are created (the host's, from dependency injection).</param>
    /// <returns>A new <see cref="ReactorOptions"/>.</returns>
    public ReactorOptions ToReactorOptions(ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        // The library's options are init-only: build them in one go, keeping its defaults for what is unset.
        var defaults = new ReactorOptions();
        return new ReactorOptions
        {
            LoggerFactory = loggerFactory,
            MeterFactory = meterFactory,
            MaxEventsPerWait = MaxEventsPerWait ?? defaults.MaxEventsPerWait,
            SpinBeforeBlock = SpinBeforeBlock ?? defaults.SpinBeforeBlock,
            StallThreshold = StallThreshold ?? defaults.StallThreshold,
            ThreadName = ThreadName is { Length: > 0 } threadName ? threadName : defaults.ThreadName,
        };
    }
}
