using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// m6: a callback that holds the loop longer than <see cref="ReactorOptions.StallThreshold"/> is
/// logged once per episode with its type, and counted (<c>reactor.loop.stalls</c>).
/// </summary>
public sealed class StallDetectionTests
{
    [Fact]
    public void A_callback_blocking_past_the_threshold_is_logged_once_with_its_type_and_counted()
    {
        using var meters = new ScopedMeterFactory();
        long stalls = 0;
        using var listener = Listen(meters, v => Interlocked.Add(ref stalls, v));
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log, MeterFactory = meters, StallThreshold = TimeSpan.FromMilliseconds(20) });
        var work = new BlockingWork();
        loop.Reactor.Post(static w => w.Run(), work);
        SpinWait.SpinUntil(() => Warnings(log).Length > 0, LoopHarness.Timeout).Should().BeTrue("the stall is reported while it lasts");
        // The same episode goes on for several more watchdog ticks: still one warning.
        long ticks = StallWatchdog.Ticks;
        SpinWait.SpinUntil(() => StallWatchdog.Ticks >= ticks + 8, LoopHarness.Timeout).Should().BeTrue();
        work.Release.Set();
        loop.Invoke(() => 0);

        string warning = Warnings(log).Should().ContainSingle().Subject;
        warning.Should().Contain(typeof(BlockingWork).FullName!).And.Contain("stall threshold 20 ms");
        Interlocked.Read(ref stalls).Should().Be(1);
    }

    [Fact]
    public void A_loop_running_short_callbacks_reports_no_stall()
    {
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log, StallThreshold = TimeSpan.FromSeconds(2) });
        long ticks = StallWatchdog.Ticks;
        int rounds = 0;
        while (StallWatchdog.Ticks < ticks + 8 && rounds++ < 100_000)
        {
            loop.Invoke(() => 0); // a busy loop of short callbacks, each far below the threshold
        }
        Warnings(log).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Detection_off_reports_nothing_however_long_a_callback_blocks(int thresholdMs)
    {
        var log = new CapturingLoggerFactory();
        using var watched = new LoopHarness(new ReactorOptions { StallThreshold = TimeSpan.FromMilliseconds(20) }); // keeps the watchdog ticking fast
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log, StallThreshold = TimeSpan.FromMilliseconds(thresholdMs) });
        var work = new BlockingWork();
        loop.Reactor.Post(static w => w.Run(), work);
        long ticks = StallWatchdog.Ticks;
        SpinWait.SpinUntil(() => StallWatchdog.Ticks >= ticks + 12, LoopHarness.Timeout).Should().BeTrue();
        work.Release.Set();
        loop.Invoke(() => 0);
        Warnings(log).Should().BeEmpty();
    }

    [Fact]
    public void A_logger_that_throws_on_a_stall_warning_neither_ends_the_process_nor_stops_the_watchdog()
    {
        // The warning is written on the watchdog's own thread: an exception escaping it there is
        // unhandled and ends the process, and every loop would go unwatched.
        var throwing = new ThrowingStallLogger();
        using var faulty = new LoopHarness(new ReactorOptions { LoggerFactory = throwing, StallThreshold = TimeSpan.FromMilliseconds(20) });
        var first = new BlockingWork();
        faulty.Reactor.Post(static w => w.Run(), first);
        throwing.Called.Wait(LoopHarness.Timeout).Should().BeTrue("the stall is reported to the logger, which throws");
        first.Release.Set();
        faulty.Invoke(() => 0);

        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log, StallThreshold = TimeSpan.FromMilliseconds(20) });
        var second = new BlockingWork();
        loop.Reactor.Post(static w => w.Run(), second);
        SpinWait.SpinUntil(() => Warnings(log).Length > 0, LoopHarness.Timeout).Should().BeTrue("the watchdog goes on watching after a logger threw");
        second.Release.Set();
        loop.Invoke(() => 0);
    }

    /// <summary>
    /// The watchdog reads the loop's callback sequence number, then the callback's owner. A loop
    /// that returned from the stalled callback and entered the next one between those two reads
    /// had the next one blamed for the stall of the one before (same number, new owner). The test
    /// looks in the watchdog's place at a loop that is not running (so the watchdog never looks at
    /// it), and moves the loop on exactly between the reads.
    /// </summary>
    [Fact]
    public void A_callback_entered_while_the_watchdog_looks_is_not_blamed_for_the_stall_of_the_one_before()
    {
        var log = new CapturingLoggerFactory();
        using var reactor = new Reactor(new ReactorOptions { LoggerFactory = log, StallThreshold = TimeSpan.FromMilliseconds(100) });
        long threshold = System.Diagnostics.Stopwatch.Frequency / 10;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        reactor.EnterCallback(new StalledWork());
        reactor.CheckStall(start); // the clock starts for the stalled callback

        reactor.StallCheckHook = () =>
        {
            reactor.StallCheckHook = null;
            reactor.EnterCallback(new NextWork()); // the stalled callback returns, the next one starts
        };
        reactor.CheckStall(start + threshold + 1);
        Warnings(log).Should().NotContain(w => w.Contains(typeof(NextWork).FullName!, StringComparison.Ordinal), "the next callback had only just started");

        // It is still watched: holding the loop for the threshold itself, it is reported by its name.
        reactor.CheckStall(start + (2 * threshold) + 2);
        Warnings(log).Should().ContainSingle().Which.Should().Contain(typeof(NextWork).FullName!);
    }

    private sealed class StalledWork;

    private sealed class NextWork;

    [Fact]
    public void A_negative_threshold_is_rejected()
    {
        var act = () => new Reactor(new ReactorOptions { StallThreshold = TimeSpan.FromSeconds(-2) });
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("StallThreshold");
    }

    private static string[] Warnings(CapturingLoggerFactory log) =>
        log.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("has held loop", StringComparison.Ordinal)).Select(e => e.Message).ToArray();

    private static MeterListener Listen(IMeterFactory meters, Action<long> onStall)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "reactor.loop.stalls")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => onStall(value));
        listener.Start();
        return listener;
    }

    private sealed class BlockingWork
    {
        public ManualResetEventSlim Release { get; } = new();

        public void Run() => Release.Wait(LoopHarness.Timeout);
    }

    /// <summary>A logger whose stall warning throws (a broken provider).</summary>
    private sealed class ThrowingStallLogger : ILoggerFactory, ILogger
    {
        public ManualResetEventSlim Called { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).Contains("has held loop", StringComparison.Ordinal))
            {
                Called.Set();
                throw new InvalidOperationException("logger failed");
            }
        }
    }

    private sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
