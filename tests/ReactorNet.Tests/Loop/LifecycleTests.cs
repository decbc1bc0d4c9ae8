using System.Collections.Concurrent;
using System.Diagnostics;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

[Collection(DescriptorCountingCollection.Name)]
public sealed class LifecycleTests
{
    [Fact]
    public void Stop_from_another_thread_returns_the_loop_promptly()
    {
        using var reactor = new Reactor();
        reactor.Start();
        Task loop = reactor.Completion;
        reactor.Invoke(() => { }); // the loop is now asleep in epoll_wait with nothing to do
        var watch = Stopwatch.StartNew();
        reactor.Stop();
        loop.Wait(LoopHarness.Timeout).Should().BeTrue();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        reactor.IsRunning.Should().BeFalse();
    }

    [Fact]
    public void Stop_before_Run_is_not_lost_and_work_posted_before_it_runs()
    {
        using var reactor = new Reactor();
        bool ran = false;
        reactor.Post(() => ran = true);
        reactor.Stop();
        var run = Task.Run(reactor.Run);
        run.Wait(LoopHarness.Timeout).Should().BeTrue();
        ran.Should().BeTrue();
    }

    [Fact]
    public void Start_twice_throws_and_Run_runs_the_loop_again_after_Stop()
    {
        using var reactor = new Reactor();
        reactor.Start();
        reactor.Invoke(() => { });
        reactor.Invoking(r => r.Start()).Should().Throw<InvalidOperationException>("the loop runs");
        reactor.Stop();
        reactor.Completion.Wait(LoopHarness.Timeout).Should().BeTrue("Completion completes when the started loop ends");
        reactor.Invoking(r => r.Start()).Should().Throw<InvalidOperationException>("a reactor is started once");
        var run = Task.Factory.StartNew(reactor.Run, TaskCreationOptions.LongRunning);
        reactor.Invoke(() => reactor.IsInLoopThread).Should().BeTrue();
        reactor.Stop();
        run.Wait(LoopHarness.Timeout).Should().BeTrue();
    }

    [Fact]
    public void Completion_is_pending_while_the_loop_runs_and_completes_after_Dispose()
    {
        var reactor = new Reactor();
        var stopping = new ManualResetEventSlim();
        reactor.Start();
        reactor.Invoke(() => { });
        reactor.Completion.IsCompleted.Should().BeFalse("Start returns at once; the loop runs");
        reactor.Post(() => stopping.Wait(LoopHarness.Timeout));
        reactor.Stop();
        reactor.Completion.IsCompleted.Should().BeFalse("the loop is still running posted work");
        stopping.Set();
        reactor.Completion.Wait(LoopHarness.Timeout).Should().BeTrue();
        reactor.Completion.IsCompletedSuccessfully.Should().BeTrue();
        reactor.Dispose();
    }

    [Fact]
    public void Completion_of_a_reactor_that_never_started_completes_on_Dispose()
    {
        var reactor = new Reactor();
        reactor.Completion.IsCompleted.Should().BeFalse();
        reactor.Dispose();
        reactor.Completion.IsCompletedSuccessfully.Should().BeTrue();
    }

    [Fact]
    public void A_group_starts_once_and_its_Completion_waits_for_every_loop()
    {
        var group = new ReactorGroup(2);
        group.Start();
        group.Invoking(g => g.Start()).Should().Throw<InvalidOperationException>();
        group.Reactors.Select(r => r.Index).Should().Equal(0, 1);
        group.Reactors[0].Stop();
        group.Reactors[0].Completion.Wait(LoopHarness.Timeout).Should().BeTrue();
        group.Completion.IsCompleted.Should().BeFalse("the second loop still runs");
        group.Dispose();
        group.Completion.Wait(LoopHarness.Timeout).Should().BeTrue();
    }

    [Fact]
    public void Dispose_twice_is_fine_and_use_after_dispose_throws()
    {
        var reactor = new Reactor();
        reactor.Start();
        Task loop = reactor.Completion;
        reactor.Dispose();
        reactor.Dispose();
        loop.Wait(LoopHarness.Timeout).Should().BeTrue();

        reactor.Invoking(r => r.Post(() => { })).Should().Throw<ObjectDisposedException>();
        reactor.Invoking(r => r.Run()).Should().Throw<ObjectDisposedException>();
        reactor.Invoking(r => r.Register(0, Interest.Readable, new DelegateHandler((_, _) => { }))).Should().Throw<ObjectDisposedException>();
        reactor.Invoking(r => r.Schedule(TimeSpan.Zero, () => { })).Should().Throw<ObjectDisposedException>();
    }

    /// <summary>
    /// Dispose right after Start races with the new thread entering Run: neither may hang, work
    /// posted before Dispose always runs (on the loop, or on the disposing thread), and the
    /// reactor's own descriptors are released whichever thread tears down.
    /// </summary>
    [Fact]
    public void Dispose_racing_with_Start_never_hangs_runs_posted_work_and_leaks_nothing()
    {
        var baseline = DescriptorCensus.Take();
        for (int i = 0; i < 200; i++)
        {
            var reactor = new Reactor();
            reactor.Start();
            Task loop = reactor.Completion;
            int ran = 0;
            reactor.Post(() => ran++);
            reactor.Dispose();
            ran.Should().Be(1, $"attempt {i}: work posted before Dispose runs exactly once before Dispose returns");
            loop.Wait(LoopHarness.Timeout).Should().BeTrue($"attempt {i}: the loop task must finish");
            reactor.Invoking(r => r.Post(() => { })).Should().Throw<ObjectDisposedException>();
        }
        DescriptorCensus.Take().ShouldNotExceed(baseline, "200 start/dispose cycles");
    }

    [Fact]
    public void Work_posted_to_a_reactor_that_never_ran_runs_at_Dispose()
    {
        var reactor = new Reactor();
        Thread? ranOn = null;
        reactor.Post(() => ranOn = Thread.CurrentThread);
        reactor.Dispose();
        ranOn.Should().BeSameAs(Thread.CurrentThread, "with no loop, the disposing thread runs the queue");
    }

    [Fact]
    public void A_nested_Run_from_a_callback_is_refused_and_the_loop_carries_on()
    {
        using var loop = new LoopHarness();
        Exception? refused = loop.Invoke(() =>
        {
            try
            {
                loop.Reactor.Run();
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        });
        refused.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("callback");
        loop.Invoke(() => loop.Reactor.IsInLoopThread).Should().BeTrue("the loop still runs on its thread");
        int fd = NativeTestHelpers.EventFd();
        loop.Reactor.Invoking(r => r.Register(fd, Interest.Readable, new DelegateHandler((_, _) => { })))
            .Should().Throw<InvalidOperationException>("the loop still owns its registrations");
        NativeTestHelpers.Close(fd);
        loop.Reactor.Dispose();
        loop.Completion.Wait(LoopHarness.Timeout).Should().BeTrue();
    }

    /// <summary>
    /// Posts from several threads race with Dispose: each Post either runs or throws
    /// ObjectDisposedException, and none writes to the released eventfd (which would show as a
    /// SystemCallException, EBADF, or a write into whatever reused the number).
    /// </summary>
    [Fact]
    public void Posts_racing_with_Dispose_either_run_or_throw_ObjectDisposedException()
    {
        for (int round = 0; round < 50; round++)
        {
            var reactor = new Reactor();
            reactor.Start();
            Task loop = reactor.Completion;
            int accepted = 0, ran = 0;
            var unexpected = new ConcurrentQueue<Exception>();
            using var go = new ManualResetEventSlim();
            var posters = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
            {
                go.Wait();
                for (int i = 0; i < 2000; i++)
                {
                    try
                    {
                        reactor.Post(() => Interlocked.Increment(ref ran));
                        Interlocked.Increment(ref accepted);
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        unexpected.Enqueue(ex);
                        return;
                    }
                }
            })).ToList();
            posters.ForEach(t => t.Start());
            go.Set();
            reactor.Dispose();
            posters.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());
            unexpected.Should().BeEmpty();
            ran.Should().Be(accepted, "every accepted post ran before Dispose returned");
            loop.Wait(LoopHarness.Timeout).Should().BeTrue();
        }
    }

    [Fact]
    public void Dispose_closes_owned_descriptors()
    {
        var (r, w) = NativeTestHelpers.Pipe();
        var reactor = new Reactor();
        reactor.Register(r, Interest.Readable, new DelegateHandler((_, _) => { }), ownsFd: true);
        reactor.Dispose();
        NativeTestHelpers.TryWriteByte(w).Should().Be(-32, "the read end was closed, so the write gives EPIPE");
        NativeTestHelpers.Close(w);
    }

    [Fact]
    public void Dispose_from_a_callback_on_the_loop_thread_stops_the_loop_and_releases_descriptors()
    {
        var (r, w) = NativeTestHelpers.Pipe();
        var reactor = new Reactor();
        reactor.Start();
        Task loop = reactor.Completion;
        reactor.Invoke(() => reactor.Register(r, Interest.Readable, new DelegateHandler((_, _) => { }), ownsFd: true));
        reactor.Post(reactor.Dispose);
        loop.Wait(LoopHarness.Timeout).Should().BeTrue();
        reactor.Invoking(x => x.Post(() => { })).Should().Throw<ObjectDisposedException>();
        NativeTestHelpers.TryWriteByte(w).Should().Be(-32, "the owned read end was closed when the loop ended");
        NativeTestHelpers.Close(w);
    }

    [Fact]
    public void Registering_an_invalid_fd_names_EBADF()
    {
        using var reactor = new Reactor();
        var act = () => reactor.Register(987_654, Interest.Readable, new DelegateHandler((_, _) => { }));
        var ex = act.Should().Throw<SystemCallException>().Which;
        ex.ErrorName.Should().Be("EBADF");
        ex.ErrorNumber.Should().Be(9);
        ex.Message.Should().Contain("epoll_ctl").And.Contain("EBADF");
        reactor.RegistrationCount.Should().Be(0, "a failed registration leaves nothing behind");
    }

    [Fact]
    public void Registration_calls_from_a_foreign_thread_are_refused_while_the_loop_runs()
    {
        using var loop = new LoopHarness();
        int fd = NativeTestHelpers.EventFd();
        var act = () => loop.Reactor.Register(fd, Interest.Readable, new DelegateHandler((_, _) => { }));
        act.Should().Throw<InvalidOperationException>().WithMessage("*loop thread*");
        NativeTestHelpers.Close(fd);
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        var act = () => new Reactor(new ReactorOptions { MaxEventsPerWait = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxEventsPerWait*");
    }
}

internal static class ReactorTestExtensions
{
    public static T Invoke<T>(this Reactor reactor, Func<T> func)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Post(() => tcs.SetResult(func()));
        return LoopHarness.Wait(tcs.Task);
    }

    public static void Invoke(this Reactor reactor, Action action) => reactor.Invoke(() => { action(); return 0; });
}

/// <summary>
/// An owned descriptor that the application closed behind the reactor's back (m7): removing its
/// registration must never close or unregister the descriptor that now has the same number.
/// </summary>
[Collection(DescriptorCountingCollection.Name)]
public sealed class ClosedBehindOurBackTests
{
    [Fact]
    public void Unregister_after_the_application_closed_the_fd_leaves_a_reused_number_alone()
    {
        using var loop = new LoopHarness();
        var (r1, w1) = NativeTestHelpers.Pipe();
        Registration stale = loop.Invoke(() => loop.Reactor.Register(r1, Interest.Readable, new DelegateHandler((_, _) => { }), ownsFd: true));
        var (r2, w2) = NativeTestHelpers.ReplaceWithPipe(r1); // the application's bug: it closed the reactor's descriptor, and the number was reused

        loop.Invoke(() => stale.Unregister()).Should().BeTrue();

        NativeTestHelpers.TryWriteByte(w2).Should().Be(1, "the pipe that reused the number is still open");
        NativeTestHelpers.Close(r2);
        NativeTestHelpers.Close(w2);
        NativeTestHelpers.Close(w1);
    }

    [Fact]
    public void Unregister_after_the_application_closed_the_fd_leaves_a_newer_registration_of_the_number_alive()
    {
        using var loop = new LoopHarness();
        var (r1, w1) = NativeTestHelpers.Pipe();
        Registration stale = loop.Invoke(() => loop.Reactor.Register(r1, Interest.Readable, new DelegateHandler((_, _) => { }), ownsFd: true));
        var (r2, w2) = NativeTestHelpers.ReplaceWithPipe(r1); // closed behind the reactor's back, the number reused
        var readable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Registration fresh = loop.Invoke(() => loop.Reactor.Register(r2, Interest.Readable, new DelegateHandler((_, _) => readable.TrySetResult()), ownsFd: true));

        loop.Invoke(() => stale.Unregister()).Should().BeTrue();

        loop.Invoke(() => fresh.IsActive).Should().BeTrue();
        NativeTestHelpers.TryWriteByte(w2).Should().Be(1, "the new owner's read end is still open");
        LoopHarness.Wait(readable.Task); // and still registered: its readiness is still delivered
        loop.Invoke(() => fresh.Unregister()).Should().BeTrue();
        NativeTestHelpers.Close(w2);
        NativeTestHelpers.Close(w1);
    }
}
