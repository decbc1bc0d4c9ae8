using System.Diagnostics.Metrics;
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

    /// <summary>
    /// With a spin budget far longer than the test, the loop never sleeps while idle: every event,
    /// post and timer below is picked up by the spin's own <c>epoll_wait</c>. The edge-triggered
    /// eventfd is reported once per signal, so an event the spin found and the loop then dropped
    /// (RunOnce ignoring Spin's count, or waiting again over the batch it found) is lost for good
    /// and the test fails; the timer fails it if the spin ignores the earliest due time.
    /// </summary>
    [Fact]
    public void A_spinning_loop_still_runs_posts_events_and_timers()
    {
        using var loop = new LoopHarness(new ReactorOptions { SpinBeforeBlock = TimeSpan.FromMinutes(5) });
        loop.Invoke(() => 42).Should().Be(42);

        int fd = NativeTestHelpers.EventFd();
        int heard = 0;
        using var signals = new SemaphoreSlim(0);
        loop.Invoke(() => loop.Reactor.Register(fd, Interest.Readable | Interest.EdgeTriggered, new DelegateHandler((reg, _) =>
        {
            NativeTestHelpers.DrainEventFd(reg.Fd);
            heard++;
            signals.Release();
        }), ownsFd: true));
        for (int i = 1; i <= 3; i++)
        {
            NativeTestHelpers.SignalEventFd(fd); // from this thread, while the loop spins
            signals.Wait(LoopHarness.Timeout).Should().BeTrue($"signal {i} reaches the handler: the spin must hand its events to the dispatch");
        }
        loop.Invoke(() => heard).Should().Be(3);

        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(5), () => fired.SetResult());
        LoopHarness.Wait(fired.Task);
        loop.WaitRounds(5);
    }

    [Fact]
    public void The_queue_gives_its_memory_back_after_a_burst()
    {
        var queue = new WorkQueue();
        const int Burst = 100_000;
        int ran = 0;
        for (int i = 0; i < Burst; i++)
        {
            queue.TryEnqueue(new WorkQueue.Item(_ => ran++, null)).Should().BeTrue();
        }
        queue.Capacity.Should().BeGreaterThanOrEqualTo(Burst);
        queue.RunAll(ex => throw ex);
        ran.Should().Be(Burst);
        queue.Capacity.Should().BeLessThanOrEqualTo(2 * WorkQueue.ShrinkAbove, "a drained burst must not pin its peak");

        // Ordinary traffic keeps its (small) queues: nothing to allocate in steady state.
        for (int round = 0; round < 4; round++)
        {
            queue.TryEnqueue(new WorkQueue.Item(_ => ran++, null));
            queue.RunAll(ex => throw ex);
        }
        int steady = queue.Capacity;
        for (int round = 0; round < 4; round++)
        {
            queue.TryEnqueue(new WorkQueue.Item(_ => ran++, null));
            queue.RunAll(ex => throw ex);
        }
        queue.Capacity.Should().Be(steady);
    }

    [Fact]
    public void The_number_of_posted_items_waiting_is_a_metric()
    {
        using var meters = new ScopedMeterFactory();
        long? observed = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "reactor.work.pending")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => observed = value);
        listener.Start();
        using var loop = new LoopHarness(new ReactorOptions { MeterFactory = meters });

        using var gate = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Post(() =>
        {
            held.SetResult();
            gate.Wait(LoopHarness.Timeout);
        });
        LoopHarness.Wait(held.Task);
        for (int i = 0; i < 250; i++)
        {
            loop.Reactor.Post(() => { });
        }
        listener.RecordObservableInstruments();
        observed.Should().Be(250);
        gate.Set();
        loop.Invoke(() => 0);
        listener.RecordObservableInstruments();
        observed.Should().Be(0);
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
