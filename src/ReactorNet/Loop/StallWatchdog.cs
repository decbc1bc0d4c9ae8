using System.Diagnostics;

namespace ReactorNet;

/// <summary>
/// One background thread for every running loop that watches for stalls (not a thread per loop).
/// It wakes at a quarter of the smallest threshold among them (at least every millisecond) and asks
/// each loop whether one callback has held it longer than its threshold. Only loops that start and
/// stop take the lock; the loops' hot path never touches this class.
/// </summary>
/// <remarks>
/// A dedicated thread and not a pool timer: each timer tick wakes the timer thread, queues a work
/// item and wakes a pool worker, which then spins (<c>sched_yield</c>) before it sleeps again; at
/// 40 ticks a second that cost several per cent of a busy echo server's CPU. Here a tick is one
/// timed wait, and a process whose loops use no thread pool starts none. The thread ends when the
/// last watched loop stops.
/// </remarks>
internal static class StallWatchdog
{
    private static readonly object s_lock = new();
    private static Reactor[] s_watched = [];
    private static Thread? s_thread;
    private static long s_ticks;

    /// <summary>Ticks so far (for tests: "the watchdog has looked N more times").</summary>
    public static long Ticks => Interlocked.Read(ref s_ticks);

    /// <summary>
    /// Watches <paramref name="reactor"/> until <see cref="Unwatch"/>; false when the watchdog's
    /// thread could not start (the runtime reports a failed thread start, out of descriptors for
    /// one, as <see cref="OutOfMemoryException"/>): the loop then runs unwatched, and a later loop
    /// tries again.
    /// </summary>
    public static bool Watch(Reactor reactor)
    {
        lock (s_lock)
        {
            s_watched = [.. s_watched, reactor];
            if (s_thread is not null)
            {
                Monitor.Pulse(s_lock); // a smaller threshold may shorten the period
                return true;
            }
            // No ExecutionContext captured: the thread outlives whoever started the first loop.
            using (ExecutionContext.SuppressFlow())
            {
                var thread = new Thread(Run) { IsBackground = true, Name = "ReactorNet stall watchdog" };
                try
                {
                    thread.Start(); // Run waits for the lock: it sees s_thread set, or nothing to watch
                }
                catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
                {
                    s_watched = Without(reactor);
                    return false;
                }
                s_thread = thread;
            }
            return true;
        }
    }

    public static void Unwatch(Reactor reactor)
    {
        lock (s_lock)
        {
            s_watched = Without(reactor);
            Monitor.Pulse(s_lock); // the last loop gone: the thread ends now, not a period later
        }
    }

    private static Reactor[] Without(Reactor reactor) => Array.FindAll(s_watched, r => r != reactor);

    /// <summary>A quarter of the smallest threshold among the watched loops, at least 1 ms.</summary>
    private static int Period(Reactor[] watched)
    {
        long smallest = long.MaxValue;
        foreach (Reactor reactor in watched)
        {
            smallest = Math.Min(smallest, reactor.StallThresholdMs);
        }
        return (int)Math.Clamp(smallest / 4, 1, int.MaxValue);
    }

    private static void Run()
    {
        while (true)
        {
            Reactor[] watched;
            lock (s_lock)
            {
                if (s_watched.Length == 0)
                {
                    s_thread = null; // under the lock: the next Watch starts a new thread
                    return;
                }
                Monitor.Wait(s_lock, Period(s_watched));
                watched = s_watched;
            }
            // Outside the lock: a warning goes to the application's logger, which may be slow, and
            // must not hold up loops that start or stop meanwhile. A tick early after a pulse is
            // harmless: each loop's stall clock is measured in timestamps, not in ticks.
            long now = Stopwatch.GetTimestamp();
            foreach (Reactor reactor in watched)
            {
                try
                {
                    reactor.CheckStall(now);
                }
                catch (Exception)
                {
                    // Application code threw while the stall was reported: a meter listener counting
                    // it (the logger is guarded: GuardedLogger). Escaping this thread the exception
                    // would be unhandled and end the process; the other loops are still watched.
                }
            }
            Interlocked.Increment(ref s_ticks);
        }
    }
}
