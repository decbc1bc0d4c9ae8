using System.Diagnostics;

namespace ReactorNet;

/// <summary>
/// Rate limit for a warning that peers can trigger at will (a connection storm, clients that do
/// not read): one message per interval gets through, the rest are counted and the count is
/// reported with the next one. Lock-free and safe from any thread; costs a timestamp per call.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval)
{
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private long _next;
    private int _suppressed;

    /// <summary>Whether to log now; <paramref name="suppressed"/> is how many were dropped since the last one logged.</summary>
    public bool TryEnter(out int suppressed)
    {
        long now = Stopwatch.GetTimestamp();
        long next = Volatile.Read(ref _next);
        if (now < next || Interlocked.CompareExchange(ref _next, now + _intervalTicks, next) != next)
        {
            Interlocked.Increment(ref _suppressed);
            suppressed = 0;
            return false;
        }
        suppressed = Interlocked.Exchange(ref _suppressed, 0);
        return true;
    }
}
