namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>
/// One loop's running totals. Only its loop thread writes them (plain increments, no interlocked
/// operations on the hot path); the main thread reads them once a second through <see cref="Read"/>.
/// A 64-bit read cannot tear on a 64-bit process, and a figure a moment stale is fine for progress.
/// </summary>
internal sealed class LoadCounters
{
    public long RoundTrips;
    public long BytesReceived;
    public long Open;
    public long Connected;
    public long ConnectFailed;
    public long Errors;
    public long Mismatches;

    public CounterSnapshot Read() => new(
        Volatile.Read(ref RoundTrips),
        Volatile.Read(ref BytesReceived),
        Volatile.Read(ref Open),
        Volatile.Read(ref Connected),
        Volatile.Read(ref ConnectFailed),
        Volatile.Read(ref Errors),
        Volatile.Read(ref Mismatches));
}

/// <summary>The counters at one instant, summed over loops or subtracted between instants.</summary>
internal readonly record struct CounterSnapshot(
    long RoundTrips, long BytesReceived, long Open, long Connected, long ConnectFailed, long Errors, long Mismatches)
{
    public static CounterSnapshot operator +(CounterSnapshot a, CounterSnapshot b) => new(
        a.RoundTrips + b.RoundTrips, a.BytesReceived + b.BytesReceived, a.Open + b.Open, a.Connected + b.Connected,
        a.ConnectFailed + b.ConnectFailed, a.Errors + b.Errors, a.Mismatches + b.Mismatches);

    /// <summary>The traffic between two instants (connection gauges are taken from <paramref name="a"/>).</summary>
    public static CounterSnapshot operator -(CounterSnapshot a, CounterSnapshot b) => a with
    {
        RoundTrips = a.RoundTrips - b.RoundTrips,
        BytesReceived = a.BytesReceived - b.BytesReceived,
        Errors = a.Errors - b.Errors,
        Mismatches = a.Mismatches - b.Mismatches,
    };
}
