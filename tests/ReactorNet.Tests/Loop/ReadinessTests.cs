using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

public sealed class ReadinessTests : IDisposable
{
    private readonly LoopHarness _loop = new();

    public void Dispose() => _loop.Dispose();

    [Fact]
    public void Pipe_becomes_readable_when_written()
    {
        var (r, w) = NativeTestHelpers.Pipe();
        var got = new TaskCompletionSource<(Readiness, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((reg, ready) =>
        {
            Span<byte> buf = stackalloc byte[16];
            int n = NativeTestHelpers.Read(reg.Fd, buf);
            got.TrySetResult((ready, n == 1 ? buf[0] : -1));
        });
        _loop.Invoke(() => _loop.Reactor.Register(r, Interest.Readable, handler, ownsFd: true));
        NativeTestHelpers.WriteByte(w, 7);

        var (readiness, value) = LoopHarness.Wait(got.Task);
        readiness.Should().HaveFlag(Readiness.Readable);
        value.Should().Be(7);
        NativeTestHelpers.Close(w);
    }

    [Fact]
    public void Eventfd_becomes_readable_when_signalled()
    {
        int fd = NativeTestHelpers.EventFd();
        var got = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((reg, ready) => got.TrySetResult(NativeTestHelpers.DrainEventFd(reg.Fd)));
        _loop.Invoke(() => _loop.Reactor.Register(fd, Interest.Readable, handler, ownsFd: true));
        NativeTestHelpers.SignalEventFd(fd);
        NativeTestHelpers.SignalEventFd(fd);
        LoopHarness.Wait(got.Task).Should().BeInRange(1, 2);
    }

    [Fact]
    public void Level_triggered_repeats_until_drained_edge_triggered_reports_once_per_change()
    {
        var (lr, lw) = NativeTestHelpers.Pipe();
        var (er, ew) = NativeTestHelpers.Pipe();
        int levelCalls = 0, edgeCalls = 0;
        var levelRepeated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var level = new DelegateHandler((_, _) =>
        {
            if (++levelCalls == 5)
            {
                levelRepeated.TrySetResult();
            }
        });
        var edge = new DelegateHandler((_, _) => Interlocked.Increment(ref edgeCalls)); // never reads
        _loop.Invoke(() =>
        {
            _loop.Reactor.Register(lr, Interest.Readable, level, ownsFd: true);
            _loop.Reactor.Register(er, Interest.Readable | Interest.EdgeTriggered, edge, ownsFd: true);
        });
        NativeTestHelpers.WriteByte(lw);
        NativeTestHelpers.WriteByte(ew);

        LoopHarness.Wait(levelRepeated.Task); // level: same unread byte reported round after round
        _loop.WaitRounds(50);
        Volatile.Read(ref edgeCalls).Should().Be(1, "edge-triggered reports the arrival once, however long the byte stays unread");

        NativeTestHelpers.WriteByte(ew); // a new arrival is a new edge
        SpinWait.SpinUntil(() => Volatile.Read(ref edgeCalls) == 2, LoopHarness.Timeout).Should().BeTrue();
        _loop.WaitRounds(20);
        Volatile.Read(ref edgeCalls).Should().Be(2);
        NativeTestHelpers.Close(lw);
        NativeTestHelpers.Close(ew);
    }

    [Fact]
    public void One_shot_fires_once_until_rearmed_with_Modify()
    {
        var (r, w) = NativeTestHelpers.Pipe();
        int calls = 0;
        var handler = new DelegateHandler((_, _) => Interlocked.Increment(ref calls)); // never reads
        Registration reg = _loop.Invoke(() => _loop.Reactor.Register(r, Interest.Readable | Interest.OneShot, handler, ownsFd: true));
        NativeTestHelpers.WriteByte(w);
        SpinWait.SpinUntil(() => Volatile.Read(ref calls) == 1, LoopHarness.Timeout).Should().BeTrue();
        _loop.WaitRounds(50);
        Volatile.Read(ref calls).Should().Be(1, "a one-shot registration is disarmed after its event");

        _loop.Invoke(() => reg.Modify(Interest.Readable | Interest.OneShot));
        SpinWait.SpinUntil(() => Volatile.Read(ref calls) == 2, LoopHarness.Timeout).Should().BeTrue();
        _loop.WaitRounds(20);
        Volatile.Read(ref calls).Should().Be(2);
        NativeTestHelpers.Close(w);
    }

    [Fact]
    public void Modify_switches_interest()
    {
        var (r, w) = NativeTestHelpers.Pipe();
        var seen = new List<Readiness>();
        var writable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((reg, ready) =>
        {
            lock (seen)
            {
                seen.Add(ready);
            }
            if (ready.HasFlag(Readiness.Writable))
            {
                reg.Modify(Interest.None);
                writable.TrySetResult();
            }
        });
        Registration reg = _loop.Invoke(() => _loop.Reactor.Register(w, Interest.None, handler, ownsFd: true));
        _loop.WaitRounds(20);
        lock (seen)
        {
            seen.Should().BeEmpty("the write end is writable, but nobody asked");
        }

        _loop.Invoke(() => reg.Modify(Interest.Writable));
        LoopHarness.Wait(writable.Task);
        _loop.WaitRounds(20);
        lock (seen)
        {
            seen.Should().ContainSingle().Which.Should().HaveFlag(Readiness.Writable);
        }
        NativeTestHelpers.Close(r);
    }

    [Fact]
    public void Unregister_stops_delivery_and_closes_an_owned_fd()
    {
        var (r, w) = NativeTestHelpers.Pipe();
        int calls = 0;
        var handler = new DelegateHandler((reg, _) =>
        {
            Interlocked.Increment(ref calls);
            reg.Unregister().Should().BeTrue();
        });
        _loop.Invoke(() => _loop.Reactor.Register(r, Interest.Readable, handler, ownsFd: true));
        NativeTestHelpers.WriteByte(w); // level-triggered and never read: would repeat forever
        SpinWait.SpinUntil(() => Volatile.Read(ref calls) == 1, LoopHarness.Timeout).Should().BeTrue();
        _loop.WaitRounds(50);
        Volatile.Read(ref calls).Should().Be(1);
        _loop.Invoke(() => _loop.Reactor.RegistrationCount).Should().Be(0);
        NativeTestHelpers.TryWriteByte(w).Should().Be(-32, "the reactor closed the owned read end, so writing gives EPIPE");
        NativeTestHelpers.Close(w);
    }

    [Fact]
    public void A_pipe_whose_writer_closed_reports_HangUp()
    {
        var (r, w) = NativeTestHelpers.Pipe();
        var got = new TaskCompletionSource<Readiness>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((reg, ready) =>
        {
            got.TrySetResult(ready);
            reg.Unregister();
        });
        _loop.Invoke(() => _loop.Reactor.Register(r, Interest.Readable, handler, ownsFd: true));
        NativeTestHelpers.Close(w);
        LoopHarness.Wait(got.Task).Should().HaveFlag(Readiness.HangUp, "a pipe whose writer is gone reports EPOLLHUP");
    }
}
