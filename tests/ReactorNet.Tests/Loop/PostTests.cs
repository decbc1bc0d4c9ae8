using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

public sealed class PostTests
{
    [Fact]
    public void Eight_producers_times_ten_thousand_items_all_run_on_the_loop_thread_fifo_per_producer()
    {
        const int Producers = 8, Items = 10_000;
        using var loop = new LoopHarness();
        int loopThreadId = loop.Invoke(() => Environment.CurrentManagedThreadId);
        var lastSeen = new int[Producers];
        Array.Fill(lastSeen, -1);
        int outOfOrder = 0, wrongThread = 0, ran = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var start = new Barrier(Producers);

        var threads = Enumerable.Range(0, Producers).Select(p => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < Items; i++)
            {
                int seq = i;
                loop.Reactor.Post(() =>
                {
                    // Runs on the loop thread only, so plain reads and writes are safe here.
                    if (Environment.CurrentManagedThreadId != loopThreadId)
                    {
                        wrongThread++;
                    }
                    if (lastSeen[p] != seq - 1)
                    {
                        outOfOrder++;
                    }
                    lastSeen[p] = seq;
                    if (++ran == Producers * Items)
                    {
                        allDone.TrySetResult();
                    }
                });
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        LoopHarness.Wait(allDone.Task);
        loop.Invoke(() => (ran, outOfOrder, wrongThread)).Should().Be((Producers * Items, 0, 0));
    }

    [Fact]
    public void Post_with_state_passes_the_state()
    {
        using var loop = new LoopHarness();
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Post(static (TaskCompletionSource<string> t) => t.SetResult("state arrived"), got);
        LoopHarness.Wait(got.Task).Should().Be("state arrived");
    }

    [Fact]
    public void A_throwing_posted_callback_is_logged_and_later_work_still_runs()
    {
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log });
        loop.Reactor.Post(() => throw new InvalidOperationException("boom"));
        loop.Invoke(() => 1).Should().Be(1);
        log.Entries.Should().Contain(e => e.Exception is InvalidOperationException && e.Exception.Message == "boom");
    }

    [Fact]
    public void Work_posted_from_the_loop_thread_runs_in_a_later_round_without_deadlock()
    {
        using var loop = new LoopHarness();
        var order = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Post(() =>
        {
            order.Add(1);
            loop.Reactor.Post(() =>
            {
                order.Add(3);
                done.SetResult();
            });
            order.Add(2);
        });
        LoopHarness.Wait(done.Task);
        order.Should().Equal(1, 2, 3);
    }

    [Fact]
    public void RunInLoop_runs_inline_on_the_loop_thread()
    {
        using var loop = new LoopHarness();
        bool inline = loop.Invoke(() =>
        {
            bool ran = false;
            loop.Reactor.RunInLoop(() => ran = true);
            return ran;
        });
        inline.Should().BeTrue();
    }

    [Fact]
    public void A_spinning_loop_still_runs_posts_events_and_timers()
    {
        using var loop = new LoopHarness(new ReactorOptions { SpinBeforeBlock = TimeSpan.FromMilliseconds(1) });
        loop.Invoke(() => 42).Should().Be(42);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(5), () => fired.SetResult());
        LoopHarness.Wait(fired.Task);
        loop.WaitRounds(5);
    }
}
