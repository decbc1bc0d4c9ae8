using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

public sealed class FaultIsolationTests
{
    [Fact]
    public void A_throwing_handler_is_logged_removed_and_the_loop_serves_everyone_else()
    {
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log });
        var (badR, badW) = NativeTestHelpers.Pipe();
        var (goodR, goodW) = NativeTestHelpers.Pipe();
        int badCalls = 0;
        var goodGot = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bad = new DelegateHandler((_, _) =>
        {
            Interlocked.Increment(ref badCalls);
            throw new InvalidOperationException("handler bug");
        });
        var good = new DelegateHandler((reg, _) =>
        {
            Span<byte> b = stackalloc byte[8];
            NativeTestHelpers.Read(reg.Fd, b);
            goodGot.TrySetResult();
        });
        loop.Invoke(() =>
        {
            loop.Reactor.Register(badR, Interest.Readable, bad, ownsFd: true);
            loop.Reactor.Register(goodR, Interest.Readable, good, ownsFd: true);
        });

        NativeTestHelpers.WriteByte(badW); // level-triggered: it would throw every round if it stayed registered
        SpinWait.SpinUntil(() => Volatile.Read(ref badCalls) == 1, LoopHarness.Timeout).Should().BeTrue();
        NativeTestHelpers.WriteByte(goodW);
        LoopHarness.Wait(goodGot.Task);
        loop.WaitRounds(20);

        Volatile.Read(ref badCalls).Should().Be(1);
        log.Entries.Should().Contain(e => e.Exception is InvalidOperationException && e.Message.Contains($"fd {badR}"));
        NativeTestHelpers.TryWriteByte(badW).Should().Be(-32, "the faulty registration owned its fd, so it was closed");
        loop.Invoke(() => loop.Reactor.RegistrationCount).Should().Be(1);
        NativeTestHelpers.Close(badW);
        NativeTestHelpers.Close(goodW);
    }

    /// <summary>
    /// PITFALLS #1. Two eventfds are ready in the same epoll_wait batch. Whichever handler runs first
    /// unregisters and closes the other, then opens a new eventfd — which the kernel gives the
    /// just-freed number — and registers it (reusing the freed table slot). The batch still holds
    /// the old registration's event; it must be dropped, not handed to the new owner.
    /// </summary>
    [Fact]
    public void A_stale_event_for_a_closed_and_reused_fd_is_never_delivered_to_the_new_owner()
    {
        using var loop = new LoopHarness();
        int raced = 0;
        // Other tests open descriptors in parallel and may take the freed number first; go on until
        // the reuse really happened several times (bounded).
        for (int attempt = 0; attempt < 500 && raced < 5; attempt++)
        {
            int a = NativeTestHelpers.EventFd(), b = NativeTestHelpers.EventFd();
            int newOwnerCalls = 0, reusedFd = -1;
            Registration regA = default, regB = default;
            var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var newOwner = new DelegateHandler((_, _) => Interlocked.Increment(ref newOwnerCalls)); // never signalled: must hear nothing
            Registration replacement = default;

            void Victimize(Registration self, Registration other)
            {
                if (handled.Task.IsCompleted)
                {
                    return;
                }
                NativeTestHelpers.DrainEventFd(self.Fd);
                int oldFd = other.Fd;
                other.Unregister(); // owned: closes the fd
                int fresh = NativeTestHelpers.EventFd();
                reusedFd = fresh == oldFd ? fresh : -1;
                replacement = loop.Reactor.Register(fresh, Interest.Readable, newOwner, ownsFd: true);
                handled.SetResult();
            }

            loop.Invoke(() =>
            {
                regA = loop.Reactor.Register(a, Interest.Readable, new DelegateHandler((r, _) => Victimize(r, regB)), ownsFd: true);
                regB = loop.Reactor.Register(b, Interest.Readable, new DelegateHandler((r, _) => Victimize(r, regA)), ownsFd: true);
                // Signal both from the loop thread so they land in the same epoll_wait batch.
                NativeTestHelpers.SignalEventFd(a);
                NativeTestHelpers.SignalEventFd(b);
            });
            LoopHarness.Wait(handled.Task);
            loop.WaitRounds(10);

            if (reusedFd != -1)
            {
                raced++; // the kernel handed the closed number to the new eventfd: the race was really set up
            }
            Volatile.Read(ref newOwnerCalls).Should().Be(0);
            loop.Invoke(() =>
            {
                replacement.Unregister();
                regA.Unregister();
                regB.Unregister();
            });
        }
        raced.Should().Be(5, "the kernel hands out the lowest free fd number");
        loop.Reactor.StaleEventCount.Should().BeGreaterThan(0, "the stale events were seen and dropped");
    }

    /// <summary>
    /// PITFALLS #2, the other half: DEL before close. A descriptor the application dup'ed keeps the
    /// open file description, and with it the epoll entry, alive after our close: closed first, the
    /// entry could never be removed again (DEL answers EBADF) and its level-triggered event would
    /// come back every round for a dead token. Removed in the right order, nothing more arrives.
    /// </summary>
    [Fact]
    public void Unregister_removes_the_epoll_entry_before_closing_so_a_duplicated_descriptor_brings_no_events_back()
    {
        using var loop = new LoopHarness();
        int fd = NativeTestHelpers.EventFd();
        int copy = Dup(fd);
        copy.Should().BeGreaterThanOrEqualTo(0);
        try
        {
            var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Registration registration = loop.Invoke(() => loop.Reactor.Register(fd, Interest.Readable, new DelegateHandler((_, _) => heard.TrySetResult()), ownsFd: true));
            NativeTestHelpers.SignalEventFd(copy); // readable, and never drained: level-triggered reports it every round
            LoopHarness.Wait(heard.Task);
            long staleBefore = loop.Invoke(() =>
            {
                registration.Unregister().Should().BeTrue();
                return loop.Reactor.StaleEventCount;
            });
            loop.WaitRounds(20);
            loop.Reactor.StaleEventCount.Should().Be(staleBefore, "the entry is gone, although the description lives on in the copy");
        }
        finally
        {
            NativeTestHelpers.Close(copy);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);
}
