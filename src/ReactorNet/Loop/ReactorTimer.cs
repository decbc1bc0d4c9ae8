namespace ReactorNet;

/// <summary>
/// A one-shot or periodic timer on a <see cref="Reactor"/>, created by
/// <see cref="Reactor.Schedule(TimeSpan, Action, TimeSpan)"/>. Its callback runs on the loop thread.
/// <see cref="Dispose"/> is <see cref="Cancel"/>, so a timer can live in a <c>using</c>.
/// </summary>
public sealed class ReactorTimer : IDisposable
{
    internal ReactorTimer(Reactor reactor, Action<object?> callback, object? state, long dueTimestamp, long periodTicks)
    {
        Reactor = reactor;
        Callback = callback;
        State = state;
        DueTimestamp = dueTimestamp;
        PeriodTicks = periodTicks;
    }

    internal Action<object?> Callback { get; }
    internal object? State { get; }
    internal long DueTimestamp { get; set; }
    internal long PeriodTicks { get; }

    /// <summary>Position in the timer heap, or -1 while not queued.</summary>
    internal int HeapIndex { get; set; } = -1;

    // One state word decides between Cancel and the loop starting the callback (M12): the loop
    // moves Pending -> Running with a CAS right before each call, Cancel swaps in Cancelled. A
    // separate flag checked before the call left a window in which a Cancel could return and the
    // callback still start.
    private const int Pending = 0;
    private const int Running = 1;
    private const int Cancelled = 2;
    private int _state;

    /// <summary>The reactor that runs this timer.</summary>
    public Reactor Reactor { get; }

    /// <summary>Whether <see cref="Cancel"/> was called.</summary>
    public bool IsCancelled => Volatile.Read(ref _state) == Cancelled;

    /// <summary>Whether the timer will still fire (not cancelled and, if one-shot, not yet fired).</summary>
    public bool IsActive => !IsCancelled && (HeapIndex >= 0 || PeriodTicks > 0 || !Fired);

    internal bool Fired { get; set; }

    /// <summary>Loop thread: claims the start of one call; false when the timer was cancelled first.</summary>
    internal bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Pending) == Pending;

    /// <summary>Loop thread: the call returned; a Cancel that came during it keeps the timer cancelled.</summary>
    internal void Finish() => Interlocked.CompareExchange(ref _state, Pending, Running);

    /// <summary>
    /// Cancels the timer; safe from any thread, idempotent. Once it returns, the callback never
    /// starts again, whichever thread called it: Cancel and the loop's start of each call are one
    /// atomic decision. Called from another thread while a call is already running, that call may finish.
    /// </summary>
    public void Cancel()
    {
        if (Interlocked.Exchange(ref _state, Cancelled) == Cancelled)
        {
            return;
        }
        Reactor.CancelTimer(this);
    }

    /// <summary>Cancels the timer: the same as <see cref="Cancel"/>. Safe from any thread, idempotent.</summary>
    public void Dispose() => Cancel();
}
