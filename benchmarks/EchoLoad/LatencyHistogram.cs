using System.Numerics;

namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>
/// A fixed-size log-linear latency histogram in nanoseconds, HdrHistogram's layout in miniature:
/// values below 256 ns get a bucket each; above, every power of two is split into 128 buckets, so
/// any recorded value is known to within 1/128 (under 0.8 %). 4,352 counters cover 1 ns to 18
/// minutes. Recording is a shift and an increment: no allocation, no lock (one per loop thread,
/// merged at the end).
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int MagnitudeBits = 40; // values are clamped below 2^40 ns
    private const long MaxValue = (1L << MagnitudeBits) - 1;

    private readonly long[] _counts = new long[(MagnitudeBits - SubBucketBits + 1) * SubBuckets];

    public long Count { get; private set; }
    public long Max { get; private set; }
    private double _sum;

    public void Record(long nanoseconds)
    {
        long v = Math.Clamp(nanoseconds, 0, MaxValue);
        _counts[Index(v)]++;
        Count++;
        _sum += v;
        if (v > Max)
        {
            Max = v;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        _sum += other._sum;
        Max = Math.Max(Max, other.Max);
    }

    public double MeanMicroseconds => Count == 0 ? 0 : _sum / Count / 1000.0;

    public double MaxMicroseconds => Max / 1000.0;

    /// <summary>The value at or below which <paramref name="percentile"/> % of the samples lie, in µs (bucket's upper edge).</summary>
    public double PercentileMicroseconds(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), Max) / 1000.0;
            }
        }
        return Max / 1000.0;
    }

    private static int Index(long v)
    {
        int msb = 63 - BitOperations.LeadingZeroCount((ulong)v | 1);
        int shift = Math.Max(msb - SubBucketBits, 0);
        return (shift << SubBucketBits) + (int)(v >> shift);
    }

    private static long UpperEdge(int index)
    {
        if (index < 2 * SubBuckets)
        {
            return index;
        }
        int shift = (index >> SubBucketBits) - 1;
        long m = index - ((long)shift << SubBucketBits);
        return ((m + 1) << shift) - 1;
    }
}
