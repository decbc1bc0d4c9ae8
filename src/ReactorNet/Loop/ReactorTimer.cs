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

    private volatile bool _cancelled;

    /// <summary>The reactor that runs this timer.</summary>
    public Reactor Reactor { get; }

    /// <summary>Whether <see cref="Cancel"/> was called.</summary>
    public bool IsCancelled => _cancelled;

    /// <summary>Whether the timer will still fire (not cancelled and, if one-shot, not yet fired).</summary>
    public bool IsActive => !_cancelled && (HeapIndex >= 0 || PeriodTicks > 0 || !Fired);

    internal bool Fired { get; set; }

    /// <summary>
    /// Cancels the timer; safe from any thread, idempotent. Once it returns, the callback never
    /// starts again, whichever thread called it: the loop checks the flag right before each call.
    /// Called from another thread, a callback that is already running may finish.
    /// </summary>
    public void Cancel()
    {
        if (_cancelled)
        {
            return;
        }
        _cancelled = true;
        Reactor.CancelTimer(this);
    }

    /// <summary>Cancels the timer: the same as <see cref="Cancel"/>. Safe from any thread, idempotent.</summary>
    public void Dispose() => Cancel();
}
