using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReactorNet.Interop;

namespace ReactorNet;

/// <summary>
/// An event loop over one Linux epoll instance: it waits for readiness and dispatches it to
/// <see cref="IEventHandler"/> callbacks, runs work posted from other threads and fires timers,
/// all on one thread — the loop thread.
/// </summary>
/// <remarks>
/// Thread rules: <see cref="Post(Action)"/>, <see cref="Stop"/>, <see cref="Schedule(TimeSpan, Action, TimeSpan)"/>,
/// <see cref="ReactorTimer.Cancel"/> and <see cref="Dispose"/> may be called from any thread.
/// Registration methods (<see cref="Register"/>, <see cref="Modify"/>, <see cref="Unregister"/>)
/// must be called on the loop thread, or while no loop runs (before <see cref="Start"/>, after
/// <see cref="Stop"/>), from any number of threads at once; use <see cref="RunInLoop(Action)"/>
/// from elsewhere.
/// </remarks>
public sealed unsafe partial class Reactor : IDisposable
{
    /// <summary>The token of the eventfd that wakes the loop; a real token never has every bit set.</summary>
    private const ulong WakerToken = ulong.MaxValue;

    private readonly int _epollFd;
    private readonly int _wakeFd;
    private readonly byte* _events;
    private readonly int _maxEvents;
    private readonly long _spinTicks;
    private readonly string _threadName;
    private readonly ILogger _logger;
    private readonly Action<Exception> _logCallbackFault;
    private readonly RegistrationTable _registrations = new();
    private readonly CallbackTracker _tracker = new();
    private readonly WorkQueue _work;
    private readonly ReactorSynchronizationContext _synchronizationContext;
    private readonly TimerQueue _timers;
    private readonly ManualResetEventSlim _exited = new(true);
    private readonly object _ownerLock = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private volatile Thread? _loopThread;
    private volatile bool _stopRequested;
    private int _wakePending;
    private int _disposed;
    private bool _started;
    private long _staleEvents;

    /// <summary>Creates a reactor with default options.</summary>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    public Reactor() : this(new ReactorOptions())
    {
    }

    /// <summary>Creates a reactor: an epoll instance and its wake-up eventfd.</summary>
    /// <param name="options">Settings; validated here.</param>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="SystemCallException">The kernel refused to create the epoll instance or eventfd.</exception>
    public Reactor(ReactorOptions options)
        : this(options, 0, options?.ThreadName!)
    {
    }

    /// <summary>A loop of a <see cref="ReactorGroup"/>: the group's shared options, its position and its own thread name.</summary>
    internal Reactor(ReactorOptions options, int index, string threadName)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException($"Reactor is built on Linux epoll and does not run on {RuntimeInformation.OSDescription}.");
        }
        options.Validate();
        _maxEvents = options.MaxEventsPerWait;
        _spinTicks = (long)(options.SpinBeforeBlock.TotalSeconds * Stopwatch.Frequency);
        _threadName = threadName;
        Index = index;
        _work = new WorkQueue(_tracker);
        _synchronizationContext = new ReactorSynchronizationContext(this);
        _timers = new TimerQueue(_tracker);
        _stallTicks = Timeouts.IsEnabled(options.StallThreshold) ? Timeouts.ToTicks(options.StallThreshold) : 0;
        StallThresholdMs = (long)Math.Min(options.StallThreshold.TotalMilliseconds, int.MaxValue);
        _logger = options.LoggerFactory is { } loggerFactory ? new GuardedLogger(loggerFactory.CreateLogger<Reactor>()) : NullLogger<Reactor>.Instance;
        _logCallbackFault = ex => Log.CallbackFailed(_logger, ex);
        Metrics = ReactorMetrics.Create(options.MeterFactory);
        Metrics.Track(_work);

        // Each descriptor is closed on failure only once it exists: a field still holding its
        // default 0 would make the cleanup close the process's stdin (M7).
        _epollFd = Errno.ThrowIfError(Libc.epoll_create1(Libc.EPOLL_CLOEXEC), "epoll_create1");
        int wakeFd = -1;
        try
        {
            wakeFd = FileDescriptor.CreateEventFd();
            AddToEpoll(wakeFd, Interest.Readable, WakerToken);
        }
        catch
        {
            FileDescriptor.Close(wakeFd);
            FileDescriptor.Close(_epollFd);
            throw;
        }
        _wakeFd = wakeFd;
        _events = (byte*)NativeMemory.Alloc((nuint)(_maxEvents * EpollEvent.Size));
    }

    /// <summary>This loop's position in its <see cref="ReactorGroup"/> (<see cref="ReactorGroup.Reactors"/>); 0 for a reactor created on its own.</summary>
    public int Index { get; }

    /// <summary>
    /// Application state attached to this loop, e.g. a shard of a sharded design (one cache, one
    /// connection pool per loop) so that no dictionary of loops is needed. The library never reads
    /// it. A plain property: set it before the loop runs or on the loop thread, and read it there.
    /// </summary>
    public object? UserState { get; set; }

    /// <summary>Whether the calling thread is this reactor's loop thread.</summary>
    public bool IsInLoopThread => _loopThread == Thread.CurrentThread;

    /// <summary>Whether a thread is running (or about to run) the loop.</summary>
    public bool IsRunning => _loopThread is not null;

    /// <summary>The number of live registrations.</summary>
    public int RegistrationCount => _registrations.Count;

    /// <summary>Events dropped because their registration was removed after the kernel queued them.</summary>
    public long StaleEventCount => Interlocked.Read(ref _staleEvents);

    internal ILogger Logger => _logger;

    internal ReactorMetrics Metrics { get; }

    /// <summary>The rate limit of the transport's output-limit warning on this loop (any thread).</summary>
    internal LogThrottle OutputLimitLog { get; } = new(TimeSpan.FromSeconds(1));

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Runs <paramref name="action"/> on the loop on behalf of the library's any-thread calls
    /// (<c>Close</c>, <c>Send</c>, <c>ConnectAsync</c>, server start and stop): inline on the loop
    /// thread; queued when another thread runs the loop; and when no loop runs (before
    /// <see cref="Start"/>, after <see cref="Stop"/>), run at once on the calling thread while it
    /// holds the loop, so that two such callers never touch the registration table together.
    /// </summary>
    /// <returns>False when the reactor is disposed (its queue closed): the action did not and will not run.</returns>
    internal bool Execute<TState>(Action<TState> action, TState state)
        where TState : class?
    {
        if (IsInLoopThread)
        {
            action(state);
            return true;
        }
        if (!TryEnqueue(new WorkQueue.Item(System.Runtime.CompilerServices.Unsafe.As<Action<object?>>(action), state)))
        {
            return false;
        }
        if (!IsRunning)
        {
            RunQueueIfIdle();
        }
        return true;
    }

    /// <summary>Queues work and wakes a sleeping loop; false once the queue is closed by Dispose.</summary>
    private bool TryEnqueue(WorkQueue.Item item)
    {
        if (!_work.TryEnqueue(item))
        {
            return false;
        }
        // The loop runs the queue at the end of every round; only a sleeping loop needs the eventfd.
        if (!IsInLoopThread)
        {
            Wake();
        }
        return true;
    }

    /// <summary>
    /// The cold path of <see cref="Execute{TState}"/>: when no loop runs, the caller becomes the loop
    /// for as long as it runs the queue. It claims <see cref="_loopThread"/> under
    /// <see cref="_ownerLock"/>, which <see cref="Start"/>, <see cref="Run"/> and <see cref="Dispose"/>
    /// also take to claim the loop. The lock is only tried, never waited for: whoever holds it
    /// either runs the queue (a loop, a Dispose) or, like us, looks at the queue again after
    /// letting go, so an item queued meanwhile is never left behind, and a caller whose own action
    /// waits for another such caller cannot deadlock.
    /// </summary>
    private void RunQueueIfIdle()
    {
        Thread me = Thread.CurrentThread;
        while (_work.HasWork && Volatile.Read(ref _released) == 0)
        {
            if (!Monitor.TryEnter(_ownerLock))
            {
                return;
            }
            try
            {
                if (Interlocked.CompareExchange(ref _loopThread, me, null) is not null)
                {
                    return; // a loop runs: it runs the queue every round
                }
                try
                {
                    // This thread is the loop for now: its "now" is now, not the last round's (for
                    // a loop that never ran, the machine's boot), or a connection made here would
                    // look idle since then and its idle sweep would close it at once.
                    LoopTimestamp = Stopwatch.GetTimestamp();
                    _work.RunAll(_logCallbackFault);
                    BeforeBlock?.Invoke();
                    if (IsDisposed)
                    {
                        Teardown(); // Dispose was called from one of the actions: the owner finishes it
                    }
                }
                finally
                {
                    _loopThread = null;
                }
            }
            finally
            {
                Monitor.Exit(_ownerLock);
            }
            Interlocked.MemoryBarrier(); // the HasWork read must not move before the release of the lock
        }
    }

    /// <summary>
    /// Per-loop state of the transport layer (its read buffer and segment pool). Kept here as an
    /// opaque slot so the loop does not depend on the layer above it. Loop thread only.
    /// </summary>
    internal object? TransportState { get; set; }

    /// <summary>
    /// Runs on the loop thread after each round's posted work, right before the loop may block in
    /// <c>epoll_wait</c> again: the transport writes the output gathered during the round there
    /// (redis's handleClientsWithPendingWrites), so a reply costs no extra round and no extra call.
    /// </summary>
    internal Action? BeforeBlock { get; set; }

    /// <summary>
    /// The Stopwatch timestamp taken when the current round's <c>epoll_wait</c> returned, or when a
    /// thread began running the queue while no loop runs: a cheap "now" for callbacks.
    /// </summary>
    internal long LoopTimestamp { get; private set; }

    private void RunOnce()
    {
        int timeout = _work.HasWork || _stopRequested ? 0 : _timers.MillisecondsUntilNext(Stopwatch.GetTimestamp());
        _tracker.Idle(); // about to wait: a long wait is not a stall
        int count = 0;
        if (timeout != 0 && _spinTicks > 0)
        {
            count = Spin();
            if (count == 0)
            {
                // The spin ended without events: at the earliest timer's due time (sleep no more), or
                // when its budget ran out (sleep for what is left until the timer).
                timeout = _work.HasWork || _stopRequested ? 0 : _timers.MillisecondsUntilNext(Stopwatch.GetTimestamp());
            }
        }
        if (count == 0)
        {
            count = Libc.epoll_wait(_epollFd, _events, _maxEvents, timeout);
        }
        LoopTimestamp = Stopwatch.GetTimestamp();
        if (count < 0)
        {
            int errno = Errno.Last;
            if (errno != Errno.EINTR) // a signal interrupted the wait: nothing is wrong, go round again
            {
                throw new SystemCallException("epoll_wait", errno);
            }
            count = 0;
        }
        for (int i = 0; i < count; i++)
        {
            Dispatch(EpollEvent.GetData(_events, i), (Readiness)EpollEvent.GetEvents(_events, i));
        }
        if (_timers.Count > 0)
        {
            _timers.RunDue(LoopTimestamp, _logCallbackFault);
        }
        _work.RunAll(_logCallbackFault);
        BeforeBlock?.Invoke();
        if (count > 0)
        {
            Metrics.EventsDispatched(count);
            if (Metrics.LoopDurationEnabled)
            {
                Metrics.LoopIteration(Stopwatch.GetElapsedTime(LoopTimestamp).TotalSeconds);
            }
        }
    }

    /// <summary>
    /// Polls without sleeping for up to <see cref="ReactorOptions.SpinBeforeBlock"/>, but never past
    /// the earliest timer's due time: a spinning loop fires its timers on time.
    /// </summary>
    private int Spin()
    {
        long now = Stopwatch.GetTimestamp();
        long deadline = Math.Min(Timeouts.Deadline(now, _spinTicks), _timers.NextDue);
        do
        {
            int count = Libc.epoll_wait(_epollFd, _events, _maxEvents, 0);
            if (count != 0 || _work.HasWork)
            {
                return count;
            }
        }
        while (Stopwatch.GetTimestamp() < deadline);
        return 0;
    }

    private void Dispatch(ulong token, Readiness readiness)
    {
        if (token == WakerToken)
        {
            // Reset the flag before the queue is drained (RunAll at the end of this round): a post
            // that lands after the drain sees the flag clear and writes the eventfd again.
            FileDescriptor.Drain(_wakeFd);
            Volatile.Write(ref _wakePending, 0);
            return;
        }
        ref RegistrationTable.Slot slot = ref _registrations.Find(token);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
        {
            _staleEvents++;
            return;
        }
        int fd = slot.Fd;
        _tracker.Enter(slot.Handler);
        try
        {
            slot.Handler!.OnEvent(new Registration(this, token, fd), readiness);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, fd, ex);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref _registrations.Find(token)))
            {
                RemoveRegistration(token, closeOwnedFd: true);
            }
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) != 0)
        {
            return;
        }
        // Announce the write before checking _released (both full fences): either ReleaseResources
        // sees us and waits, or we see it released and leave the descriptor alone.
        Interlocked.Increment(ref _wakers);
        try
        {
            if (Volatile.Read(ref _released) == 0)
            {
                FileDescriptor.Signal(_wakeFd);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _wakers);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Throws once the teardown has closed the work queue (registering or scheduling is still fine while Dispose runs the queued work).</summary>
    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0 || (IsDisposed && !IsInLoopThread), this);
}
