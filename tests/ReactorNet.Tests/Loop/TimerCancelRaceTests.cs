using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// M12: <see cref="ReactorTimer.Cancel"/> from another thread against the loop starting the callback.
/// The seam runs on the loop thread at the last moment before the callback starts; a Cancel that
/// returns there has returned before the callback started, so the callback must never start.
/// </summary>
public sealed class TimerCancelRaceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_Cancel_that_returns_before_the_callback_starts_means_it_never_starts(bool periodic)
    {
        using var loop = new LoopHarness();
        int runs = 0;
        ReactorTimer? timer = null;
        loop.Invoke(() =>
        {
            loop.Reactor.TimerStartingHook = t =>
            {
                if (t == timer && !t.IsCancelled)
                {
                    // Another thread cancels, and its Cancel returns, before the callback starts.
                    Task.Run(t.Cancel).Wait(LoopHarness.Timeout).Should().BeTrue();
                }
            };
            timer = loop.Reactor.Schedule(TimeSpan.Zero, () => runs++, periodic ? TimeSpan.FromMilliseconds(1) : TimeSpan.Zero);
        });
        var fence = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(5), () => fence.SetResult());
        LoopHarness.Wait(fence.Task);
        loop.Invoke(() => runs).Should().Be(0, "Cancel returned before the callback started");
        timer!.IsActive.Should().BeFalse();
        loop.Invoke(() => loop.Reactor.PendingTimerCount).Should().Be(0);
    }

    [Fact]
    public void Cancel_from_inside_a_running_periodic_callback_on_another_thread_stops_later_calls()
    {
        using var loop = new LoopHarness();
        int runs = 0;
        ReactorTimer? timer = null;
        loop.Invoke(() => timer = loop.Reactor.Schedule(TimeSpan.Zero, () =>
        {
            runs++;
            Task.Run(timer!.Cancel).Wait(LoopHarness.Timeout); // cancelled while this call runs: it finishes
        }, TimeSpan.FromMilliseconds(1)));
        var fence = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(20), () => fence.SetResult());
        LoopHarness.Wait(fence.Task);
        loop.Invoke(() => runs).Should().Be(1);
        timer!.IsActive.Should().BeFalse();
    }
}

/// <summary>A spinning loop must fire timers on time, not when its spin budget ends.</summary>
public sealed class SpinTimerTests
{
    [Fact]
    public void A_loop_that_spins_fires_a_timer_due_before_the_spin_would_end()
    {
        // A spin budget far longer than the test waits: only a spin that stops at the timer's
        // due time lets the timer fire in time.
        using var loop = new LoopHarness(new ReactorOptions { SpinBeforeBlock = TimeSpan.FromMinutes(5) });
        loop.Invoke(() => 0).Should().Be(0);
        for (int i = 0; i < 3; i++)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Reactor.Schedule(TimeSpan.FromMilliseconds(50), () => fired.SetResult());
            LoopHarness.Wait(fired.Task);
        }
    }
}
