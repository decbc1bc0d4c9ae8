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
    public void A_periodic_timer_cancelled_from_another_thread_never_fires_again()
    {
        using var loop = new LoopHarness();
        int calls = 0;
        var twice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ReactorTimer timer = loop.Reactor.Schedule(TimeSpan.Zero, () =>
        {
            if (++calls == 2)
            {
                twice.TrySetResult();
            }
        }, period: TimeSpan.FromMilliseconds(1));
        LoopHarness.Wait(twice.Task);

        // Hold the loop, cancel from this thread, and let the timer's next due time pass for sure:
        // when the loop resumes, the timer is due and its removal is still queued behind it.
        using var gate = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Post(() =>
        {
            held.SetResult();
            gate.Wait(LoopHarness.Timeout);
        });
        LoopHarness.Wait(held.Task);
        int callsAtCancel = Volatile.Read(ref calls); // the loop is held: no call is running
        timer.Cancel();
        var clock = Stopwatch.StartNew();
        SpinWait.SpinUntil(() => clock.Elapsed > TimeSpan.FromMilliseconds(5)); // a clock condition, not synchronisation
        gate.Set();

        // A zero-delay timer scheduled after the cancel is due after every earlier due time.
        var fence = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.Zero, () => fence.SetResult());
        LoopHarness.Wait(fence.Task);
        loop.WaitRounds(3);
        loop.Invoke(() => calls).Should().Be(callsAtCancel, "no call may start after Cancel() returned");
        timer.IsActive.Should().BeFalse();
    }

    [Fact]
    public void Cancel_on_the_loop_thread_prevents_firing()
    {
        using var loop = new LoopHarness();
        bool cancelledFired = false;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Invoke(() =>
        {
            var t = loop.Reactor.Schedule(TimeSpan.Zero, () => cancelledFired = true);
            loop.Reactor.Schedule(TimeSpan.Zero, () => done.SetResult());
            t.Cancel();
        });
        LoopHarness.Wait(done.Task);
        loop.Invoke(() => cancelledFired).Should().BeFalse();
    }

    [Fact]
    public void Timers_cancelled_from_several_threads_never_start_after_Cancel_returned()
    {
        const int Count = 4000, Threads = 4;
        using var loop = new LoopHarness();
        var started = new int[Count];
        var cancelReturned = new bool[Count];
        int startedAfterCancel = 0, ranUncancelled = 0;
        var timers = new ReactorTimer[Count];

        // On the loop thread: queue every timer, due at once, then hold the loop so they cannot run
        // yet. The cancels below come from other threads while the timers sit due in the queue.
        using var gate = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Post(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                int index = i;
                timers[i] = loop.Reactor.Schedule(TimeSpan.Zero, () =>
                {
                    // Loop thread; the cancelling threads finished before the loop was released.
                    started[index]++;
                    if (Volatile.Read(ref cancelReturned[index]))
                    {
                        startedAfterCancel++;
                    }
                    else
                    {
                        ranUncancelled++;
                    }
                });
            }
            held.SetResult();
            gate.Wait(LoopHarness.Timeout);
        });
        LoopHarness.Wait(held.Task);
        var cancellers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int i = t * 2; i < Count; i += 2 * Threads)
            {
                timers[i].Cancel();
                Volatile.Write(ref cancelReturned[i], true);
            }
        })).ToList();
        cancellers.ForEach(t => t.Start());
        cancellers.ForEach(t => t.Join());
        gate.Set();

        var fence = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.Zero, () => fence.SetResult());
        LoopHarness.Wait(fence.Task);
        loop.Invoke(() => (startedAfterCancel, ranUncancelled, loop.Reactor.PendingTimerCount)).Should().Be((0, Count / 2, 0));
        started.Where((_, i) => i % 2 == 1).Should().OnlyContain(n => n == 1);
        timers.Where((_, i) => i % 2 == 0).Should().OnlyContain(t => t.IsCancelled && !t.IsActive);
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
