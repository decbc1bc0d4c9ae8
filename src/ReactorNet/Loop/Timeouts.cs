using System.Diagnostics;

namespace ReactorNet;

/// <summary>
/// The one place that decides what a <see cref="TimeSpan"/> timeout or delay means, and the
/// saturating arithmetic that turns it into a Stopwatch deadline.
/// <list type="bullet">
/// <item><see cref="Timeout.InfiniteTimeSpan"/>, <see cref="TimeSpan.MaxValue"/> and any span too large
/// for a Stopwatch deadline (about 292 years at a 1 GHz clock) mean "never".</item>
/// <item>For a timeout, <see cref="TimeSpan.Zero"/> also means "no timeout"; for a delay it means
/// "as soon as possible".</item>
/// <item>Any other negative value is rejected where it is configured, before any state changes.</item>
/// </list>
/// Deadlines saturate at <see cref="Never"/> instead of wrapping around to the past: a wrapped
/// deadline is due at once, and a timer that re-arms itself with one livelocks the loop.
/// </summary>
internal static class Timeouts
{
    /// <summary>The deadline (Stopwatch timestamp) of something that never happens.</summary>
    public const long Never = long.MaxValue;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a negative value other than <see cref="Timeout.InfiniteTimeSpan"/>; returns the value.</summary>
    /// <param name="value">A timeout or a delay.</param>
    /// <param name="paramName">The option or parameter, for the message.</param>
    public static TimeSpan Validate(TimeSpan value, string paramName)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(paramName, value,
                $"{paramName} must be zero or positive, or Timeout.InfiniteTimeSpan (TimeSpan.MaxValue and Timeout.InfiniteTimeSpan mean never).");
        }
        return value;
    }

    /// <summary>Whether <paramref name="value"/> means "never": infinite, <see cref="TimeSpan.MaxValue"/> or too large to represent.</summary>
    public static bool IsInfinite(TimeSpan value) => value == Timeout.InfiniteTimeSpan || ToTicks(value) == Never;

    /// <summary>Whether a (validated) timeout is switched on: neither zero nor "never".</summary>
    public static bool IsEnabled(TimeSpan timeout) => timeout > TimeSpan.Zero && !IsInfinite(timeout);

    /// <summary>
    /// Stopwatch ticks in <paramref name="span"/>, saturated: <see cref="Never"/> for "never" and
    /// for anything that does not fit a <see langword="long"/>; zero for other negative values.
    /// </summary>
    public static long ToTicks(TimeSpan span)
    {
        if (span == Timeout.InfiniteTimeSpan)
        {
            return Never;
        }
        if (span <= TimeSpan.Zero)
        {
            return 0;
        }
        // 128-bit product: span.Ticks * Frequency overflows 64 bits past about 10 days at 1 GHz.
        Int128 ticks = (Int128)span.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        return ticks >= Never ? Never : (long)ticks;
    }

    /// <summary><paramref name="now"/> + <paramref name="ticks"/>, saturated at <see cref="Never"/>.</summary>
    public static long Deadline(long now, long ticks) => ticks >= Never - now ? Never : now + ticks;

    /// <summary>The deadline <paramref name="span"/> after <paramref name="now"/>; <see cref="Never"/> for "never".</summary>
    public static long Deadline(long now, TimeSpan span) => Deadline(now, ToTicks(span));

    /// <summary>Whole milliseconds in <paramref name="ticks"/> Stopwatch ticks, rounded up and capped at <see cref="int.MaxValue"/>.</summary>
    public static int ToMillisecondsCeiling(long ticks)
    {
        if (ticks <= 0)
        {
            return 0;
        }
        long frequency = Stopwatch.Frequency;
        // Split so no intermediate product can overflow, whatever the tick count.
        long ms = ticks / frequency * 1000 + ((ticks % frequency) * 1000 + frequency - 1) / frequency;
        return ms > int.MaxValue ? int.MaxValue : (int)ms;
    }
}
