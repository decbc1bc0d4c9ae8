using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ReactorNet;

public sealed partial class Reactor
{
    private static readonly Action<object?> s_invokeAction = static state => ((Action)state!)();

    /// <summary>Queues <paramref name="action"/> to run on the loop thread, after the current round; FIFO. Safe from any thread.</summary>
    /// <param name="action">The work. If it throws, the exception is logged and the loop goes on.</param>
    /// <exception cref="ObjectDisposedException">The reactor was disposed.</exception>
    public void Post(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Enqueue(new WorkQueue.Item(s_invokeAction, action));
    }

    /// <summary>
    /// Queues <paramref name="action"/>(<paramref name="state"/>) to run on the loop thread; FIFO.
    /// Allocates nothing when <paramref name="action"/> is a cached delegate (a static lambda).
    /// </summary>
    /// <typeparam name="TState">The state's type (a reference type, so it is not boxed).</typeparam>
    /// <param name="action">The work.</param>
    /// <param name="state">Its argument.</param>
    /// <exception cref="ObjectDisposedException">The reactor was disposed.</exception>
    public void Post<TState>(Action<TState> action, TState state)
        where TState : class?
    {
        ArgumentNullException.ThrowIfNull(action);
        // Action<TState> and Action<object?> have the same calling convention for a reference
        // type TState, so the delegate can be stored without a wrapper allocation.
        Enqueue(new WorkQueue.Item(Unsafe.As<Action<object?>>(action), state));
    }

    /// <summary>
    /// Returns an awaitable that continues on this reactor's loop thread:
    /// <c>await reactor.SwitchTo();</c> after, say, <c>await TcpConnection.ConnectAsync(...)</c> on a
    /// pool thread. On the loop thread already, the await continues at once. Elsewhere the
    /// continuation is queued like <see cref="Post(Action)"/> (so it runs once the loop runs, FIFO
    /// with other posted work).
    /// </summary>
    /// <returns>The awaitable.</returns>
    /// <remarks>
    /// If the reactor is disposed before the continuation reaches its loop, the await throws
    /// <see cref="ObjectDisposedException"/> (on a pool thread) instead of never completing.
    /// </remarks>
    public LoopSwitchAwaitable SwitchTo() => new(this);

    /// <summary>
    /// Queues an await's continuation for the loop (<see cref="SwitchTo"/> and the loop's
    /// <see cref="SynchronizationContext"/>). Once the queue is closed by Dispose it runs on the pool
    /// instead: dropped, the awaiting method would stay pending for ever; thrown from here, the
    /// exception would be rethrown on the pool by the awaiting machinery and end the process. Off
    /// the loop, <see cref="LoopSwitchAwaitable.GetResult"/> and the reactor's calls throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    internal void PostContinuation(Action<object?> continuation, object? state)
    {
        if (!TryEnqueue(new WorkQueue.Item(continuation, state)))
        {
            ThreadPool.UnsafeQueueUserWorkItem(continuation, state, preferLocal: false);
        }
    }

    /// <summary>Runs <paramref name="action"/> now when called on the loop thread, else posts it (muduo's runInLoop).</summary>
    /// <param name="action">The work.</param>
    public void RunInLoop(Action action)
    {
        if (IsInLoopThread)
        {
            action();
        }
        else
        {
            Post(action);
        }
    }

    /// <summary>Runs <paramref name="action"/>(<paramref name="state"/>) now on the loop thread, else posts it.</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="action">The work.</param>
    /// <param name="state">Its argument.</param>
    public void RunInLoop<TState>(Action<TState> action, TState state)
        where TState : class?
    {
        if (IsInLoopThread)
        {
            action(state);
        }
        else
        {
            Post(action, state);
        }
    }

    /// <summary>
    /// Runs <paramref name="callback"/> on the loop thread after <paramref name="dueTime"/>, and then
    /// every <paramref name="period"/> if that is positive. Safe from any thread. Resolution is about
    /// a millisecond: the loop sleeps in <c>epoll_wait</c> until the earliest timer is due.
    /// </summary>
    /// <param name="dueTime">
    /// Delay before the first call: <see cref="TimeSpan.Zero"/> for as soon as possible;
    /// <see cref="Timeout.InfiniteTimeSpan"/>, <see cref="TimeSpan.MaxValue"/> or any delay too large
    /// to represent (about 292 years) for never (the timer stays pending until cancelled).
    /// </param>
    /// <param name="callback">The work.</param>
    /// <param name="period">
    /// Interval between calls; <see cref="TimeSpan.Zero"/> (or <see cref="Timeout.InfiniteTimeSpan"/>)
    /// for a one-shot timer.
    /// </param>
    /// <returns>The timer, to cancel it.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative value other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public ReactorTimer Schedule(TimeSpan dueTime, Action callback, TimeSpan period = default)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Schedule(dueTime, s_invokeAction, callback, period);
    }

    /// <summary>Like <see cref="Schedule(TimeSpan, Action, TimeSpan)"/> with a state argument (no closure allocation).</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="dueTime">Delay before the first call.</param>
    /// <param name="callback">The work.</param>
    /// <param name="state">Its argument.</param>
    /// <param name="period">Interval between calls; zero for one-shot.</param>
    /// <returns>The timer, to cancel it.</returns>
    public ReactorTimer Schedule<TState>(TimeSpan dueTime, Action<TState> callback, TState state, TimeSpan period = default)
        where TState : class?
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Schedule(dueTime, Unsafe.As<Action<object?>>(callback), state, period);
    }

    private ReactorTimer Schedule(TimeSpan dueTime, Action<object?> callback, object? state, TimeSpan period)
    {
        Timeouts.Validate(dueTime, nameof(dueTime));
        Timeouts.Validate(period, nameof(period));
        ThrowIfClosed();
        long periodTicks = Timeouts.ToTicks(period);
        var timer = new ReactorTimer(this, callback, state, Timeouts.Deadline(Stopwatch.GetTimestamp(), dueTime),
            periodTicks == Timeouts.Never ? 0 : periodTicks); // an endless period: the second call never comes
        RunInLoop(static t => t.Reactor.AddTimer(t), timer);
        return timer;
    }

    /// <summary>Moves a live timer's due time (transport idle and close timeouts re-use one timer).</summary>
    internal void Reschedule(ReactorTimer timer, TimeSpan dueTime)
    {
        _timers.Remove(timer);
        timer.DueTimestamp = Timeouts.Deadline(Stopwatch.GetTimestamp(), dueTime);
        timer.Fired = false;
        if (!timer.IsCancelled)
        {
            _timers.Add(timer);
        }
    }

    internal void CancelTimer(ReactorTimer timer)
    {
        Execute(static t => t.Reactor._timers.Remove(t), timer);
    }

    /// <summary>Test seam: see <see cref="TimerQueue.StartingHook"/>. Loop thread, or before the loop runs.</summary>
    internal Action<ReactorTimer>? TimerStartingHook
    {
        set => _timers.StartingHook = value;
    }

    /// <summary>
    /// Bumped before every callback the loop runs (an event dispatch, a timer, a posted item); loop
    /// thread. Lets the transport tell "the same callback" from "a later one" with one plain read.
    /// </summary>
    internal long CallbackSequence => _tracker.Sequence;

    /// <summary>
    /// Counts work the loop does for <paramref name="owner"/> outside the callbacks it tracks
    /// itself (a connection's batch written as the loop is about to block) as a callback of its
    /// own: a later callback sequence, and the owner a stall warning names. Loop thread.
    /// </summary>
    internal void EnterCallback(object owner) => _tracker.Enter(owner);

    /// <summary>Work items queued and not yet run (the metric <c>reactor.work.pending</c>).</summary>
    internal int PendingWorkCount => _work.Count;

    /// <summary>Timers waiting to fire.</summary>
    public int PendingTimerCount => _timers.Count;

    private void AddTimer(ReactorTimer timer)
    {
        if (!timer.IsCancelled)
        {
            _timers.Add(timer);
        }
    }

    private void Enqueue(WorkQueue.Item item)
    {
        if (!TryEnqueue(item))
        {
            throw new ObjectDisposedException(GetType().FullName);
        }
    }
}
