using System.Diagnostics;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

public sealed class LifecycleTests
{
    [Fact]
    public void Stop_from_another_thread_returns_the_loop_promptly()
    {
        using var reactor = new Reactor();
        Task loop = reactor.Start();
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
    public void Run_can_be_restarted_after_Stop()
    {
        using var reactor = new Reactor();
        reactor.Start();
        reactor.Invoke(() => { });
        reactor.Stop();
        SpinWait.SpinUntil(() => !reactor.IsRunning, LoopHarness.Timeout).Should().BeTrue();
        Task second = reactor.Start();
        reactor.Invoke(() => reactor.IsInLoopThread).Should().BeTrue();
        reactor.Stop();
        second.Wait(LoopHarness.Timeout).Should().BeTrue();
    }

    [Fact]
    public void Dispose_twice_is_fine_and_use_after_dispose_throws()
    {
        var reactor = new Reactor();
        Task loop = reactor.Start();
        reactor.Dispose();
        reactor.Dispose();
        loop.Wait(LoopHarness.Timeout).Should().BeTrue();

        reactor.Invoking(r => r.Post(() => { })).Should().Throw<ObjectDisposedException>();
        reactor.Invoking(r => r.Run()).Should().Throw<ObjectDisposedException>();
        reactor.Invoking(r => r.Register(0, Interest.Readable, new DelegateHandler((_, _) => { }))).Should().Throw<ObjectDisposedException>();
        reactor.Invoking(r => r.Schedule(TimeSpan.Zero, () => { })).Should().Throw<ObjectDisposedException>();
    }

    /// <summary>Dispose right after Start races with the new thread entering Run: neither may hang.</summary>
    [Fact]
    public void Dispose_racing_with_Start_never_hangs()
    {
        for (int i = 0; i < 200; i++)
        {
            var reactor = new Reactor();
            Task loop = reactor.Start();
            reactor.Dispose();
            loop.Wait(LoopHarness.Timeout).Should().BeTrue($"attempt {i}: the loop task must finish");
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
    public void Dispose_from_a_callback_on_the_loop_thread_stops_the_loop()
    {
        var reactor = new Reactor();
        Task loop = reactor.Start();
        reactor.Post(reactor.Dispose);
        loop.Wait(LoopHarness.Timeout).Should().BeTrue();
        reactor.Invoking(r => r.Post(() => { })).Should().Throw<ObjectDisposedException>();
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
