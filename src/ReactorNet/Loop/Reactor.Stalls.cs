using System.Diagnostics;

namespace ReactorNet;

public sealed partial class Reactor
{
    /// <summary>The stall threshold in Stopwatch ticks; 0 when detection is off.</summary>
    private readonly long _stallTicks;

    // The watchdog's view of this loop, touched only by StallWatchdog's thread.
    private long _watchedSequence = -1;
    private long _watchedSince;
    private long _warnedSequence = -1;

    /// <summary>The stall threshold in whole milliseconds (capped), for the watchdog's tick period.</summary>
    internal long StallThresholdMs { get; }

    /// <summary>
    /// Test seam: stands in for <see cref="StallWatchdog.Watch"/> when the loop starts, so a test can
    /// have the watchdog's thread fail to start for this loop only. Null in production.
    /// </summary>
    internal Func<Reactor, bool>? WatchHook { get; set; }

    /// <summary>
    /// Test seam: runs in <see cref="CheckStall"/> between its first read of the callback sequence
    /// number and its read of the callback's owner, so a test can move the loop on exactly there.
    /// Null in production.
    /// </summary>
    internal Action? StallCheckHook { get; set; }

    /// <summary>
    /// Watchdog thread: the same callback sequence number with a callback running on two ticks
    /// means one callback has held the loop since the first of them. One warning per callback.
    /// </summary>
    internal void CheckStall(long now)
    {
        // The loop writes the sequence number, then publishes the owner (CallbackTracker.Enter);
        // the number is read again after the owner. Equal reads mean the loop entered no callback
        // in between, so the owner is the one of the callback the number counts: otherwise the
        // callback entered between the reads would be blamed for its predecessor's stall.
        long sequence = Volatile.Read(ref _tracker.Sequence);
        StallCheckHook?.Invoke();
        object? current = Volatile.Read(ref _tracker.Current);
        long sequenceAfter = Volatile.Read(ref _tracker.Sequence);
        if (current is null || sequence != _watchedSequence || sequenceAfter != sequence)
        {
            // Idle, or a new callback since the last look (or during it): the clock starts now (at
            // worst one tick late, so a stall is reported between the threshold and a quarter later).
            _watchedSequence = sequenceAfter;
            _watchedSince = now;
            return;
        }
        if (sequence == _warnedSequence || now - _watchedSince < _stallTicks)
        {
            return;
        }
        _warnedSequence = sequence;
        Metrics.Stalled();
        Log.LoopStalled(_logger, CallbackTracker.Describe(current), _threadName,
            (long)Stopwatch.GetElapsedTime(_watchedSince, now).TotalMilliseconds, StallThresholdMs);
    }
}
