using System.Diagnostics;

namespace ReactorNet;

/// <summary>
/// One pool timer for every running loop that watches for stalls (not a thread per loop). It ticks
/// at a quarter of the smallest threshold among them (at least every millisecond) and asks each
/// loop whether one callback has held it longer than its threshold. Only loops that start and stop
/// take the lock; the loops' hot path never touches this class.
/// </summary>
internal static class StallWatchdog
{
    private static readonly object s_lock = new();
    private static readonly object s_tickLock = new();
    private static Reactor[] s_watched = [];
    private static Timer? s_timer;
    private static long s_periodMs = -1;
    private static long s_ticks;

    /// <summary>Ticks so far (for tests: "the watchdog has looked N more times").</summary>
    public static long Ticks => Interlocked.Read(ref s_ticks);

    public static void Watch(Reactor reactor)
    {
        lock (s_lock)
        {
            s_watched = [.. s_watched, reactor];
            Reschedule();
        }
    }

    public static void Unwatch(Reactor reactor)
    {
        lock (s_lock)
        {
            s_watched = s_watched.Where(r => r != reactor).ToArray();
            Reschedule();
        }
    }

    private static void Reschedule()
    {
        long period = s_watched.Length == 0 ? Timeout.Infinite : Math.Max(1, s_watched.Min(r => r.StallThresholdMs) / 4);
        if (period == s_periodMs)
        {
            return;
        }
        s_periodMs = period;
        if (s_timer is null)
        {
            // No ExecutionContext captured: the timer outlives whoever started the first loop.
            using (ExecutionContext.SuppressFlow())
            {
                s_timer = new Timer(static _ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
            }
        }
        s_timer.Change(period, period);
    }

    private static void Tick()
    {
        if (!Monitor.TryEnter(s_tickLock))
        {
            return; // the previous tick is still at work (an overloaded machine): skip this one
        }
        try
        {
            long now = Stopwatch.GetTimestamp();
            foreach (Reactor reactor in Volatile.Read(ref s_watched))
            {
                reactor.CheckStall(now);
            }
            Interlocked.Increment(ref s_ticks);
        }
        finally
        {
            Monitor.Exit(s_tickLock);
        }
    }
}
