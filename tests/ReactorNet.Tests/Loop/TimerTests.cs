using System.Diagnostics;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

public sealed class TimerTests
{
    [Fact]
    public void Timers_fire_in_due_order_on_the_loop_thread()
    {
        using var loop = new LoopHarness();
        var order = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool allOnLoop = true;
        int[] delays = [40, 10, 30, 0, 20];
        loop.Invoke(() =>
        {
            foreach (int d in delays)
            {
                loop.Reactor.Schedule(TimeSpan.FromMilliseconds(d), () =>
                {
                    allOnLoop &= loop.Reactor.IsInLoopThread;
                    order.Add(d);
                    if (order.Count == delays.Length)
                    {
                        done.SetResult();
                    }
                });
            }
        });
        LoopHarness.Wait(done.Task);
        order.Should().Equal(0, 10, 20, 30, 40);
        allOnLoop.Should().BeTrue();
    }

    [Fact]
    public void A_timer_does_not_fire_before_its_due_time()
    {
        using var loop = new LoopHarness();
        var fired = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Stopwatch.StartNew();
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(50), () => fired.SetResult(watch.Elapsed));
        LoopHarness.Wait(fired.Task).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_periodic_timer_repeats_until_cancelled()
    {
        using var loop = new LoopHarness();
        int calls = 0;
        var fiveTimes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ReactorTimer? timer = null;
        timer = loop.Reactor.Schedule(TimeSpan.FromMilliseconds(1), () =>
        {
            if (++calls == 5)
            {
                timer!.Cancel();
                fiveTimes.SetResult();
            }
        }, period: TimeSpan.FromMilliseconds(2));
        LoopHarness.Wait(fiveTimes.Task);
        // A later one-shot timer proves time passed beyond several periods without more calls.
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(30), () => later.SetResult());
        LoopHarness.Wait(later.Task);
        loop.Invoke(() => calls).Should().Be(5);
        timer!.IsActive.Should().BeFalse();
    }

    [Fact]
    public void Cancel_prevents_firing()
    {
        using var loop = new LoopHarness();
        bool cancelledFired = false;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Invoke(() =>
        {
            var t = loop.Reactor.Schedule(TimeSpan.FromMilliseconds(5), () => cancelledFired = true);
            loop.Reactor.Schedule(TimeSpan.FromMilliseconds(20), () => done.SetResult());
            t.Cancel();
        });
        LoopHarness.Wait(done.Task);
        loop.Invoke(() => cancelledFired).Should().BeFalse();
    }

    [Fact]
    public void A_hundred_thousand_timers_schedule_and_cancel_cleanly()
    {
        const int Count = 100_000;
        using var loop = new LoopHarness();
        int fired = 0;
        var timers = new ReactorTimer[Count];
        loop.Invoke(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                timers[i] = loop.Reactor.Schedule(TimeSpan.FromSeconds(30 + (i % 1000) / 100.0), () => fired++);
            }
        });
        loop.Invoke(() => loop.Reactor.PendingTimerCount).Should().Be(Count);
        loop.Invoke(() =>
        {
            for (int i = 0; i < Count; i += 2)
            {
                timers[i].Cancel();
            }
        });
        loop.Invoke(() => loop.Reactor.PendingTimerCount).Should().Be(Count / 2);
        loop.Invoke(() =>
        {
            for (int i = 1; i < Count; i += 2)
            {
                timers[i].Cancel();
            }
        });
        loop.Invoke(() => (loop.Reactor.PendingTimerCount, fired)).Should().Be((0, 0));
    }

    [Fact]
    public void A_throwing_timer_is_logged_and_others_still_fire()
    {
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log });
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.Zero, () => throw new InvalidOperationException("timer bug"));
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(5), () => done.SetResult());
        LoopHarness.Wait(done.Task);
        log.Entries.Should().Contain(e => e.Exception!.Message == "timer bug");
    }
}
