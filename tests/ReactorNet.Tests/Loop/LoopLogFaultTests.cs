using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// An application logger that throws (a bug of its own) costs the line it was writing, never the
/// loop: not on the loop's start, not on its fault lines, not on its teardown.
/// </summary>
public sealed class LoopLogFaultTests
{
    /// <summary>
    /// When the watchdog's thread cannot start, the loop says so before it runs. That line came
    /// before the loop's try/finally: a logger throwing there ended the loop before its first round,
    /// left it claimed (Run could never be called again) and its exit unsignalled (Dispose waited for ever).
    /// </summary>
    [Fact]
    public void Run_with_a_logger_that_throws_on_the_stall_detection_off_line_runs_the_loop_and_can_run_it_again()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("Stall detection is off", StringComparison.Ordinal));
        var reactor = new Reactor(new ReactorOptions { LoggerFactory = logger }) { WatchHook = static _ => false };
        int ran = 0;
        for (int round = 1; round <= 2; round++)
        {
            reactor.Post(() => ran++);
            reactor.Stop(); // a Stop before Run is not lost: Run runs the posted work and returns
            Action run = reactor.Run;
            run.Should().NotThrow("the logger's exception costs its line only (round {0})", round);
            ran.Should().Be(round, "the loop ran its work");
            reactor.IsRunning.Should().BeFalse("the loop let go of its claim");
        }
        logger.Thrown.Should().Be(2, "the test needs the logger to have thrown on each start");
        Task.Run(reactor.Dispose).Wait(LoopHarness.Timeout).Should().BeTrue("Dispose does not wait for a loop that never ended");
    }

    [Fact]
    public void Start_with_a_logger_that_throws_on_the_stall_detection_off_line_runs_the_loop_until_Dispose()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("Stall detection is off", StringComparison.Ordinal));
        var reactor = new Reactor(new ReactorOptions { LoggerFactory = logger }) { WatchHook = static _ => false };
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Post(() => ran.TrySetResult());
        reactor.Start();
        Task.WhenAny(ran.Task, reactor.Completion).Wait(LoopHarness.Timeout).Should().BeTrue();
        reactor.Completion.IsCompleted.Should().BeFalse("the loop runs: {0}", reactor.Completion.Exception?.InnerException?.Message);
        ran.Task.IsCompleted.Should().BeTrue();
        Task.Run(reactor.Dispose).Wait(LoopHarness.Timeout).Should().BeTrue("Dispose does not wait for a loop that never ended");
        reactor.Completion.Wait(LoopHarness.Timeout).Should().BeTrue();
        logger.Thrown.Should().Be(1, "the test needs the logger to have thrown");
    }

    /// <summary>
    /// The loop logs a posted callback's exception and goes on. A logger throwing on that very
    /// line let its exception out of the loop: the loop ended (Completion faulted), and the work
    /// queued behind the failed callback was lost.
    /// </summary>
    [Fact]
    public void A_logger_that_throws_on_the_posted_callback_fault_line_does_not_end_the_loop()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("posted callback or timer threw", StringComparison.Ordinal));
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = logger });
        var after = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Post(() => throw new InvalidOperationException("callback bug"));
        loop.Reactor.Post(() => after.TrySetResult()); // in the same batch as the failing one
        Task.WhenAny(after.Task, loop.Completion).Wait(LoopHarness.Timeout).Should().BeTrue();
        loop.Completion.IsCompleted.Should().BeFalse("the loop goes on: {0}", loop.Completion.Exception?.InnerException?.Message);
        after.Task.IsCompleted.Should().BeTrue("the work queued behind the failed callback runs");

        loop.Reactor.Schedule(TimeSpan.Zero, () => throw new InvalidOperationException("timer bug"));
        SpinWait.SpinUntil(() => logger.Thrown == 2 || loop.Completion.IsCompleted, LoopHarness.Timeout).Should().BeTrue();
        loop.Invoke(() => 0).Should().Be(0, "a timer's fault with the same logger costs the line too");
        loop.Completion.IsCompleted.Should().BeFalse();
    }

    /// <summary>
    /// A handler that throws is logged and its registration removed. A logger throwing on that
    /// line skipped the removal and ended the loop.
    /// </summary>
    [Fact]
    public void A_logger_that_throws_on_the_handler_fault_line_does_not_end_the_loop_and_the_registration_is_removed()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("Event handler for fd", StringComparison.Ordinal));
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = logger });
        var (read, write) = NativeTestHelpers.Pipe();
        var bad = new DelegateHandler((_, _) => throw new InvalidOperationException("handler bug"));
        loop.Invoke(() => loop.Reactor.Register(read, Interest.Readable, bad, ownsFd: true));
        NativeTestHelpers.WriteByte(write);
        SpinWait.SpinUntil(() => logger.Thrown > 0 || loop.Completion.IsCompleted, LoopHarness.Timeout).Should().BeTrue();
        loop.Invoke(() => loop.Reactor.RegistrationCount).Should().Be(0, "the faulty registration was removed");
        loop.Completion.IsCompleted.Should().BeFalse();
        NativeTestHelpers.TryWriteByte(write).Should().Be(-32, "the faulty registration owned its fd, so it was closed (EPIPE)");
        logger.Thrown.Should().Be(1);
        NativeTestHelpers.Close(write);
    }

    /// <summary>
    /// Dispose tells every registration that wants to know of the shutdown, logging one that
    /// throws. A logger throwing on that line ended the teardown: the registrations after it were
    /// never told, the descriptors never closed, and Dispose (or Completion) threw the logger's exception.
    /// </summary>
    [Fact]
    public void A_logger_that_throws_on_a_shutdown_fault_line_does_not_end_the_teardown()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("Event handler for fd", StringComparison.Ordinal));
        var loop = new LoopHarness(new ReactorOptions { LoggerFactory = logger });
        var first = new ThrowingShutdownHandler();
        var second = new ThrowingShutdownHandler();
        var (read1, write1) = NativeTestHelpers.Pipe();
        var (read2, write2) = NativeTestHelpers.Pipe();
        loop.Invoke(() =>
        {
            loop.Reactor.Register(read1, Interest.None, first, ownsFd: true);
            loop.Reactor.Register(read2, Interest.None, second, ownsFd: true);
        });

        Action dispose = loop.Reactor.Dispose;
        dispose.Should().NotThrow();
        loop.Completion.Wait(LoopHarness.Timeout).Should().BeTrue();
        first.Told.Should().BeTrue();
        second.Told.Should().BeTrue("a logger that threw for the first does not keep the second from being told");
        NativeTestHelpers.TryWriteByte(write1).Should().Be(-32, "the registration's descriptor was closed");
        NativeTestHelpers.TryWriteByte(write2).Should().Be(-32, "the registration's descriptor was closed");
        logger.Thrown.Should().Be(2);
        NativeTestHelpers.Close(write1);
        NativeTestHelpers.Close(write2);
    }

    [Fact]
    public void A_logger_whose_IsEnabled_or_BeginScope_throws_is_treated_as_off()
    {
        var guarded = new GuardedLogger(new BrokenLogger());
        guarded.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Error).Should().BeFalse();
        guarded.BeginScope("scope").Should().BeNull();
        Action log = () => Log.CallbackFailed(guarded, new InvalidOperationException("callback bug"));
        log.Should().NotThrow();
    }

    private sealed class BrokenLogger : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => throw new InvalidOperationException("logger failed");

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => throw new InvalidOperationException("logger failed");

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            throw new InvalidOperationException("logger failed");
    }

    private sealed class ThrowingShutdownHandler : IEventHandler, IReactorShutdownHandler
    {
        public bool Told { get; private set; }

        public void OnEvent(Registration registration, Readiness readiness)
        {
        }

        public void OnReactorShutdown()
        {
            Told = true;
            throw new InvalidOperationException("shutdown bug");
        }
    }
}
