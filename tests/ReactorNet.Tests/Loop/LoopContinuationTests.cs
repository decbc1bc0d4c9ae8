using System.Net;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;
using ReactorNet.Tests.Tcp;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// Per-loop continuations: an await started on the loop resumes on the loop (the loop thread's
/// SynchronizationContext), and <c>await reactor.SwitchTo()</c> moves code from elsewhere onto it.
/// Neither may hang once the reactor is disposed.
/// </summary>
public sealed class LoopContinuationTests
{
    [Fact]
    public async Task An_await_started_on_the_loop_resumes_on_the_loop_thread()
    {
        using var loop = new LoopHarness();
        // Completed from this thread without RunContinuationsAsynchronously: with no context the
        // continuation would run inline here, inside SetResult.
        var gate = new TaskCompletionSource();
        Task<bool> resumed = loop.Invoke(async () =>
        {
            await gate.Task;
            return loop.Reactor.IsInLoopThread;
        });
        gate.SetResult();
        (await resumed.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();
    }

    [Fact]
    public async Task ConnectAsync_awaited_on_the_loop_continues_on_the_loop_thread()
    {
        using var harness = new EchoServerHarness();
        Reactor reactor = harness.Loop.Reactor;
        Task<bool> resumed = harness.Loop.Invoke(async () =>
        {
            using TcpConnection connection = await TcpConnection.ConnectAsync(reactor, harness.Server.LocalEndPoint, new RecordingHandler());
            return reactor.IsInLoopThread;
        });
        (await resumed.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();
    }

    [Fact]
    public async Task SwitchTo_from_a_pool_thread_continues_on_the_loop_thread_and_on_the_loop_stays_there()
    {
        using var loop = new LoopHarness();
        bool onLoop = await Task.Run(async () =>
        {
            loop.Reactor.IsInLoopThread.Should().BeFalse();
            await loop.Reactor.SwitchTo();
            return loop.Reactor.IsInLoopThread;
        }).WaitAsync(LoopHarness.Timeout);
        onLoop.Should().BeTrue();

        loop.Invoke(() => loop.Reactor.SwitchTo().IsCompleted).Should().BeTrue("on the loop the await continues at once");
    }

    [Fact]
    public async Task SwitchTo_before_Start_continues_once_the_loop_runs()
    {
        var reactor = new Reactor();
        try
        {
            Task<bool> switched = Task.Run(async () =>
            {
                await reactor.SwitchTo();
                return reactor.IsInLoopThread;
            });
            reactor.Start();
            (await switched.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();
        }
        finally
        {
            reactor.Dispose();
        }
    }

    [Fact]
    public async Task SwitchTo_after_Dispose_throws_ObjectDisposedException_instead_of_hanging()
    {
        var loop = new LoopHarness();
        loop.Dispose();
        Func<Task> switchTo = async () => await loop.Reactor.SwitchTo();
        await switchTo.Should().ThrowAsync<ObjectDisposedException>().WaitAsync(LoopHarness.Timeout);
    }

    [Fact]
    public async Task An_await_on_the_loop_whose_reactor_was_disposed_meanwhile_resumes_off_the_loop_instead_of_hanging()
    {
        var loop = new LoopHarness();
        var gate = new TaskCompletionSource();
        Task<bool> resumed = loop.Invoke(async () =>
        {
            await gate.Task;
            return loop.Reactor.IsInLoopThread;
        });
        loop.Dispose();
        gate.SetResult();
        (await resumed.WaitAsync(LoopHarness.Timeout)).Should().BeFalse("the loop is gone: the continuation runs on the pool");
        loop.Reactor.Invoking(r => r.Post(() => { })).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Run_on_a_thread_of_yours_installs_the_loops_context_only_while_it_runs()
    {
        using var reactor = new Reactor();
        SynchronizationContext? inside = null, before = null, after = null;
        var thread = new Thread(() =>
        {
            var own = new SynchronizationContext();
            SynchronizationContext.SetSynchronizationContext(own);
            before = SynchronizationContext.Current;
            reactor.Post(() =>
            {
                inside = SynchronizationContext.Current;
                reactor.Stop();
            });
            reactor.Run();
            after = SynchronizationContext.Current;
        });
        thread.Start();
        thread.Join(LoopHarness.Timeout).Should().BeTrue();
        inside.Should().NotBeNull().And.NotBeSameAs(before);
        after.Should().BeSameAs(before, "the thread gets its own context back when Run returns");
    }
}
