using BenchmarkDotNet.Attributes;
using ReactorNet.Interop;

namespace ReactorNet.Benchmarks.Loop;

/// <summary>
/// What it costs the loop to turn readiness into a handler call. The loop runs on the benchmark
/// thread itself (<see cref="Reactor.Run"/>), so no thread hand-off is measured; the handler that
/// sees the last event of an invocation calls <see cref="Reactor.Stop"/>. With
/// <see cref="ReadyFds"/> = 64 one <c>epoll_wait</c> returns 64 events, which shows the per-event
/// cost with the system call amortised; with 1, every event pays a whole <c>epoll_wait</c>.
/// MemoryDiagnoser's Allocated column is the allocation per dispatched event: it must be 0 B.
/// </summary>
public class DispatchBenchmarks
{
    /// <summary>A multiple of every <see cref="ReadyFds"/> value, so each invocation ends on a whole batch.</summary>
    private const int EventsPerInvoke = 4096;

    private Reactor? _reactor;
    private CountingHandler? _handler;

    /// <summary>Descriptors ready at once, i.e. events per <c>epoll_wait</c>.</summary>
    [Params(1, 64)]
    public int ReadyFds { get; set; }

    [GlobalSetup(Target = nameof(ReadyFdToHandler))]
    public void SetupLevelTriggered() => Setup(drainAndSignal: false);

    [GlobalSetup(Target = nameof(SignalDrainToHandler))]
    public void SetupSignalDrain() => Setup(drainAndSignal: true);

    /// <summary>
    /// Pure dispatch: level-triggered eventfds that stay readable, so every loop round reports all
    /// of them again. Per event: a share of <c>epoll_wait</c>, the token lookup, one interface call.
    /// </summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public void ReadyFdToHandler() => RunOnce();

    /// <summary>
    /// Dispatch plus the I/O a real handler does: the handler drains its eventfd (read) and makes it
    /// readable again for the next round (write) — two system calls per event on top of dispatch.
    /// </summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public void SignalDrainToHandler() => RunOnce();

    [GlobalCleanup]
    public void Cleanup() => _reactor?.Dispose(); // closes the eventfds: the registrations own them

    private void RunOnce()
    {
        _handler!.Reset(EventsPerInvoke);
        _reactor!.Run(); // returns when the handler has seen EventsPerInvoke events
    }

    private void Setup(bool drainAndSignal)
    {
        if (EventsPerInvoke % ReadyFds != 0)
        {
            throw new InvalidOperationException($"{nameof(ReadyFds)} must divide {EventsPerInvoke}.");
        }
        _reactor = new Reactor(new ReactorOptions { MaxEventsPerWait = 256 });
        _handler = new CountingHandler(_reactor, drainAndSignal);
        for (int i = 0; i < ReadyFds; i++)
        {
            int fd = FileDescriptor.CreateEventFd();
            FileDescriptor.Signal(fd);
            // Not running yet, so registering from this thread is allowed.
            _reactor.Register(fd, Interest.Readable, _handler, ownsFd: true);
        }
    }

    /// <summary>Counts events and stops the loop at the last one of an invocation.</summary>
    private sealed class CountingHandler(Reactor reactor, bool drainAndSignal) : IEventHandler
    {
        private int _remaining;

        public void Reset(int events) => _remaining = events;

        public void OnEvent(Registration registration, Readiness readiness)
        {
            if (drainAndSignal)
            {
                FileDescriptor.Drain(registration.Fd);
                FileDescriptor.Signal(registration.Fd);
            }
            if (--_remaining == 0)
            {
                reactor.Stop();
            }
        }
    }
}
