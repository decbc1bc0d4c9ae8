namespace ReactorNet.Samples.Http.Protocol;

/// <summary>The HTTP server's limits and timeouts.</summary>
/// <remarks>
/// Timeouts follow the project's one rule: <see cref="Timeout.InfiniteTimeSpan"/>,
/// <see cref="TimeSpan.MaxValue"/> and <see cref="TimeSpan.Zero"/> mean "no timeout"; any other
/// negative value throws <see cref="ArgumentOutOfRangeException"/> when it is set.
/// </remarks>
public sealed class HttpServerOptions
{
    private readonly TimeSpan _headersTimeout = TimeSpan.FromSeconds(10);
    private readonly TimeSpan _keepAliveTimeout = TimeSpan.FromSeconds(15);
    private readonly TimeSpan _timerPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Size limits of a request.</summary>
    public HttpLimits Limits { get; init; } = HttpLimits.Default;

    /// <summary>
    /// How long a request head may take from its first byte (or from the connection's start) until
    /// its empty line; past it the server answers 408 and closes (slowloris). Default 10 s.
    /// </summary>
    public TimeSpan HeadersTimeout
    {
        get => _headersTimeout;
        init => _headersTimeout = HttpTimeouts.Validate(value, nameof(HeadersTimeout));
    }

    /// <summary>
    /// How long a keep-alive connection may stay idle between requests, and how long a request body
    /// may stall between two reads, before the server closes it. Default 15 s.
    /// </summary>
    public TimeSpan KeepAliveTimeout
    {
        get => _keepAliveTimeout;
        init => _keepAliveTimeout = HttpTimeouts.Validate(value, nameof(KeepAliveTimeout));
    }

    /// <summary>
    /// Period of each loop's timer that refreshes the <c>Date</c> value and checks the timeouts:
    /// the timeouts' resolution. Default 1 s; must be positive.
    /// </summary>
    public TimeSpan TimerPeriod
    {
        get => _timerPeriod;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(TimerPeriod));
            _timerPeriod = value;
        }
    }
}

/// <summary>
/// The project's timeout semantics for this sample (the library's own helper is internal): "never"
/// values, validation, and deadline arithmetic that saturates instead of overflowing.
/// </summary>
public static class HttpTimeouts
{
    /// <summary>A deadline that never comes.</summary>
    public const long Never = long.MaxValue;

    /// <summary>Returns <paramref name="value"/>, or throws for a negative value that is not <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static TimeSpan Validate(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "A timeout is positive, or zero / Timeout.InfiniteTimeSpan / TimeSpan.MaxValue for none.");
        }
        return value;
    }

    /// <summary>Whether <paramref name="timeout"/> means "no timeout".</summary>
    public static bool IsNever(TimeSpan timeout) => timeout <= TimeSpan.Zero || timeout == TimeSpan.MaxValue;

    /// <summary><paramref name="nowMs"/> + <paramref name="timeout"/> in milliseconds, saturated; <see cref="Never"/> for no timeout.</summary>
    public static long Deadline(long nowMs, TimeSpan timeout)
    {
        if (IsNever(timeout))
        {
            return Never;
        }
        double ms = Math.Ceiling(timeout.TotalMilliseconds);
        return ms >= Never - nowMs ? Never : nowMs + (long)ms;
    }
}
