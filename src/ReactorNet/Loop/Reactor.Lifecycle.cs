using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ReactorNet.Interop;

namespace ReactorNet;

/// <summary>
/// The loop's life: who runs it (<see cref="Run"/> on the caller's thread, <see cref="Start"/> on a
/// thread of its own), how it ends (<see cref="Stop"/>, <see cref="Dispose"/>, <see cref="Completion"/>)
/// and what is released when it does. One owner at a time holds the loop (<c>_ownerLock</c>).
/// </summary>
public sealed unsafe partial class Reactor
{
    /// <summary>
    /// Runs the loop on the calling thread until <see cref="Stop"/> or <see cref="Dispose"/>. Work
    /// posted before the loop exits runs before <see cref="Run"/> returns. A <see cref="Stop"/> that
    /// came before <see cref="Run"/> is not lost: the loop runs pending work and returns at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop already runs: on another thread, or this is a call from one of its own callbacks.</exception>
    /// <exception cref="ObjectDisposedException">The reactor was disposed.</exception>
    public void Run()
    {
        lock (_ownerLock)
        {
            ThrowIfDisposed();
            // A nested Run from a callback (the owner is this very thread) is refused as well: it
            // would end the outer loop's claim and let Dispose free what the outer loop still uses.
            if (Interlocked.CompareExchange(ref _loopThread, Thread.CurrentThread, null) is not null)
            {
                throw new InvalidOperationException(IsInLoopThread
                    ? "Run was called from a callback of this reactor's own loop."
                    : "This reactor's loop is already running on another thread.");
            }
            _exited.Reset();
        }
        RunClaimed();
    }

    /// <summary>The loop proper, on the thread that holds the claim on <see cref="_loopThread"/>.</summary>
    private void RunClaimed()
    {
        // Awaits that start in the loop's callbacks resume on the loop. A thread of the
        // application that called Run gets its own context back when the loop ends.
        SynchronizationContext? callersContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext);
        bool watched = false;
        try
        {
            // Inside the try: whatever fails from here on, the finally below lets go of the claim
            // and signals the exit, or Run could never be called again and Dispose would wait for ever.
            if (_stallTicks > 0)
            {
                watched = WatchHook?.Invoke(this) ?? StallWatchdog.Watch(this);
                if (!watched)
                {
                    Log.StallDetectionOff(_logger, _threadName);
                }
            }
            try
            {
                while (!_stopRequested && !IsDisposed)
                {
                    RunOnce();
                }
            }
            finally
            {
                // Also when a round threw (the loop then ends, and Completion faults): work queued
                // for this loop must not be stranded, or whoever waits for it (a server's Dispose
                // waiting for its sweep) would wait for ever.
                _work.RunAll(_logCallbackFault);
                BeforeBlock?.Invoke();
                if (IsDisposed)
                {
                    Teardown();
                }
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(callersContext);
            _tracker.Idle();
            if (watched)
            {
                StallWatchdog.Unwatch(this);
            }
            _stopRequested = false;
            Interlocked.Exchange(ref _loopThread, null); // a full fence: the HasWork read below sees a racing Execute's item
            _exited.Set();
            // Execute calls that queued work while this loop was leaving found it "running" and only
            // woke it: run their work now, as the loop they were promised.
            if (_work.HasWork && !IsDisposed)
            {
                RunQueueIfIdle();
            }
        }
    }

    /// <summary>
    /// Runs the loop on a new dedicated thread (named by <see cref="ReactorOptions.ThreadName"/>) and
    /// returns at once; <see cref="Completion"/> tells when that loop has ended. A reactor is started
    /// once: after <see cref="Stop"/>, <see cref="Run"/> may run it again on a thread of yours.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="Start"/> was already called, or the loop runs (<see cref="Run"/> on another thread).</exception>
    /// <exception cref="ObjectDisposedException">The reactor was disposed.</exception>
    public void Start()
    {
        var thread = new Thread(() =>
        {
            try
            {
                RunClaimed();
                _completion.TrySetResult();
            }
            catch (Exception ex)
            {
                _completion.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = _threadName,
        };
        lock (_ownerLock)
        {
            ThrowIfDisposed();
            if (_started)
            {
                throw new InvalidOperationException("Start was already called on this reactor; use Run to run it again after Stop.");
            }
            // Claim the loop for the new thread before it starts, so that from now on every other
            // thread is correctly told it is not the loop thread.
            if (Interlocked.CompareExchange(ref _loopThread, thread, null) is not null)
            {
                throw new InvalidOperationException("This reactor's loop is already running.");
            }
            _started = true;
            _exited.Reset();
        }
        thread.Start();
    }

    /// <summary>
    /// Completes when the loop that <see cref="Start"/> created has ended (after <see cref="Stop"/> or
    /// <see cref="Dispose"/>, once the work queued before that has run), and faults with the
    /// exception if the loop itself failed (a callback's exception is logged and never ends the
    /// loop). For a reactor that was never started, it completes when <see cref="Dispose"/> has
    /// released the reactor. Like TPL Dataflow's <c>Completion</c>, it never completes earlier.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Asks the loop to return from <see cref="Run"/>; safe from any thread, and from a callback.</summary>
    public void Stop()
    {
        _stopRequested = true;
        Wake();
    }

    /// <summary>
    /// Disposes the reactor; safe from any thread, including a callback of this loop. Idempotent.
    /// In order: the loop stops; every piece of work queued before (and while) the queue closes
    /// runs, on the loop thread, or on the disposing thread when no loop runs; then the queue is
    /// closed (<see cref="Post(Action)"/> throws <see cref="ObjectDisposedException"/> from here
    /// on); every connection, connect and listener living on the loop is closed (connections see
    /// <c>OnClosed</c> with <c>CloseReason.Shutdown</c>, pending connects fail with
    /// <see cref="ObjectDisposedException"/>); timers that have not fired are dropped; every
    /// descriptor a registration owns, the epoll instance and the eventfd are closed. Called from
    /// another thread, Dispose returns when all of that is done; from a callback, it happens as
    /// soon as the callback returns.
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
            return; // the loop (or the thread running the queue) finishes the job once the callback returns
        }
        Thread me = Thread.CurrentThread;
        while (true)
        {
            _exited.Wait();
            lock (_ownerLock)
            {
                if (Volatile.Read(ref _released) != 0)
                {
                    return;
                }
                if (Interlocked.CompareExchange(ref _loopThread, me, null) is null)
                {
                    try
                    {
                        Teardown();
                    }
                    finally
                    {
                        _loopThread = null;
                    }
                    return;
                }
            }
            // A loop claimed the reactor between the wait and the lock (a racing Start): it sees
            // the dispose at once and tears down itself; wait for it.
        }
    }

    /// <summary>
    /// The end of the reactor, on the thread that owns the loop: run the queue to the end and close
    /// it, tell every registration that wants to know (connections, connects, listeners), then
    /// release the descriptors and memory.
    /// </summary>
    private void Teardown()
    {
        if (Volatile.Read(ref _released) != 0)
        {
            return;
        }
        while (!_work.TryClose())
        {
            _work.RunAll(_logCallbackFault);
        }
        foreach (ulong token in _registrations.LiveTokens())
        {
            ref RegistrationTable.Slot slot = ref _registrations.Find(token);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot) || slot.Handler is not IReactorShutdownHandler handler)
            {
                continue; // removed by an earlier handler's shutdown, or a plain handler: its owned fd is closed below
            }
            try
            {
                handler.OnReactorShutdown();
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, slot.Fd, ex);
            }
        }
        ReleaseResources();
    }

    private int _released;
    private int _wakers;

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
        Metrics.Untrack(_work);
        _timers.Clear();
        // A Wake that passed its _released check is still writing the eventfd: let it finish before
        // the number is closed (and possibly reused by another thread's open).
        var spin = new SpinWait();
        while (Volatile.Read(ref _wakers) != 0)
        {
            spin.SpinOnce();
        }
        FileDescriptor.Close(_wakeFd);
        FileDescriptor.Close(_epollFd);
        NativeMemory.Free(_events);
        if (!_started)
        {
            _completion.TrySetResult(); // a started loop completes it when its thread ends
        }
    }
}
