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
/// must be called on the loop thread, or before the loop runs; use <see cref="RunInLoop(Action)"/>
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
    private readonly WorkQueue _work = new();
    private readonly TimerQueue _timers = new();
    private readonly ManualResetEventSlim _exited = new(true);

    private volatile Thread? _loopThread;
    private volatile bool _stopRequested;
    private int _wakePending;
    private int _disposed;
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
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException($"Reactor is built on Linux epoll and does not run on {RuntimeInformation.OSDescription}.");
        }
        options.Validate();
        _maxEvents = options.MaxEventsPerWait;
        _spinTicks = (long)(options.SpinBeforeBlock.TotalSeconds * Stopwatch.Frequency);
        _threadName = options.ThreadName;
        _logger = options.LoggerFactory?.CreateLogger<Reactor>() ?? NullLogger<Reactor>.Instance;
        _logCallbackFault = ex => Log.CallbackFailed(_logger, ex);
        Metrics = ReactorMetrics.Create(options.MeterFactory);

        _epollFd = Errno.ThrowIfError(Libc.epoll_create1(Libc.EPOLL_CLOEXEC), "epoll_create1");
        try
        {
            _wakeFd = FileDescriptor.CreateEventFd();
            AddToEpoll(_wakeFd, Interest.Readable, WakerToken);
        }
        catch
        {
            FileDescriptor.Close(_wakeFd);
            FileDescriptor.Close(_epollFd);
            throw;
        }
        _events = (byte*)NativeMemory.Alloc((nuint)(_maxEvents * EpollEvent.Size));
    }

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

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Runs <paramref name="action"/> on the loop: inline on the loop thread or when no loop is
    /// running (set-up and tear-down), posted otherwise. Does nothing once disposed.
    /// </summary>
    internal void Execute<TState>(Action<TState> action, TState state)
        where TState : class?
    {
        if (IsDisposed)
        {
            return;
        }
        if (IsInLoopThread || !IsRunning)
        {
            action(state);
        }
        else
        {
            try
            {
                Post(action, state);
            }
            catch (ObjectDisposedException)
            {
                // Disposed in the meantime: the reactor closed what it owned.
            }
        }
    }

    /// <summary>
    /// Per-loop state of the transport layer (its read buffer and segment pool). Kept here as an
    /// opaque slot so the loop does not depend on the layer above it. Loop thread only.
    /// </summary>
    internal object? TransportState { get; set; }

    /// <summary>The Stopwatch timestamp taken when the current round's <c>epoll_wait</c> returned: a cheap "now" for callbacks.</summary>
    internal long LoopTimestamp { get; private set; }

    /// <summary>
    /// Runs the loop on the calling thread until <see cref="Stop"/>. Work posted before the loop
    /// exits runs before <see cref="Run"/> returns. A <see cref="Stop"/> that came before
    /// <see cref="Run"/> is not lost: the loop runs pending work and returns at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another thread is already running this loop.</exception>
    /// <exception cref="ObjectDisposedException">The reactor was disposed.</exception>
    public void Run()
    {
        Thread me = Thread.CurrentThread;
        Thread? owner = Interlocked.CompareExchange(ref _loopThread, me, null);
        if (owner is not null && owner != me)
        {
            throw new InvalidOperationException("This reactor's loop is already running on another thread.");
        }
        _exited.Reset();
        try
        {
            // Checked only now, inside the try: a Dispose that raced with Start must still see the
            // claim released and the exit signalled, or it would wait for a loop that never runs.
            ThrowIfDisposed();
            while (!_stopRequested)
            {
                RunOnce();
            }
            _work.RunAll(_logCallbackFault);
        }
        finally
        {
            _stopRequested = false;
            _loopThread = null;
            _exited.Set();
            if (Volatile.Read(ref _disposed) != 0)
            {
                ReleaseResources();
            }
        }
    }

    /// <summary>Runs the loop on a new dedicated thread (named by <see cref="ReactorOptions.ThreadName"/>).</summary>
    /// <returns>A task that completes when the loop exits, or faults if the loop itself failed.</returns>
    public Task Start()
    {
        ThrowIfDisposed();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run();
                done.SetResult();
            }
            catch (ObjectDisposedException) when (IsDisposed)
            {
                done.SetResult(); // disposed before the new thread got going: nothing to run
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = _threadName,
        };
        // Claim the loop for the new thread before it starts, so that from now on every other
        // thread is correctly told it is not the loop thread.
        if (Interlocked.CompareExchange(ref _loopThread, thread, null) is not null)
        {
            throw new InvalidOperationException("This reactor's loop is already running.");
        }
        _exited.Reset();
        thread.Start();
        return done.Task;
    }

    /// <summary>Asks the loop to return from <see cref="Run"/>; safe from any thread, and from a callback.</summary>
    public void Stop()
    {
        _stopRequested = true;
        Wake();
    }

    /// <summary>
    /// Stops the loop (waiting for it to exit when it runs on another thread), closes every
    /// descriptor a registration owns, the epoll instance and the eventfd. Idempotent. Work still
    /// queued after the loop exited is dropped.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Stop();
        if (IsInLoopThread)
        {
            return; // Run's exit path releases the resources once the current callback returns.
        }
        _exited.Wait();
        ReleaseResources();
    }

    private int _released;

    private void ReleaseResources()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }
        foreach (int fd in _registrations.OwnedDescriptors())
        {
            FileDescriptor.Close(fd);
        }
        _timers.Clear();
        FileDescriptor.Close(_wakeFd);
        FileDescriptor.Close(_epollFd);
        NativeMemory.Free(_events);
    }

    private void RunOnce()
    {
        int timeout = _work.HasWork || _stopRequested ? 0 : _timers.MillisecondsUntilNext(Stopwatch.GetTimestamp());
        int count = timeout != 0 && _spinTicks > 0 ? Spin() : 0;
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
        if (count > 0)
        {
            Metrics.EventsDispatched(count);
            if (Metrics.LoopDurationEnabled)
            {
                Metrics.LoopIteration(Stopwatch.GetElapsedTime(LoopTimestamp).TotalSeconds);
            }
        }
    }

    /// <summary>Polls without sleeping for up to <see cref="ReactorOptions.SpinBeforeBlock"/>.</summary>
    private int Spin()
    {
        long deadline = Stopwatch.GetTimestamp() + _spinTicks;
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
        if (Interlocked.Exchange(ref _wakePending, 1) == 0 && Volatile.Read(ref _released) == 0)
        {
            FileDescriptor.Signal(_wakeFd);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
