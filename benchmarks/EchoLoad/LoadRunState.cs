using System.Collections.Concurrent;
using System.Net;

namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>What every connection of a run shares: the message shape and the phase switches.</summary>
internal sealed class LoadRunState(LoadOptions options)
{
    private const int MaxReportedErrors = 5;
    private int _reportedErrors;

    public IPEndPoint EndPoint { get; } = options.EndPoint;
    public int Size { get; } = options.Size;
    public int Depth { get; } = options.Depth;

    /// <summary>Latencies are recorded only while this is set: warmup is excluded.</summary>
    public volatile bool Measuring;

    /// <summary>Cleared at the end: in-flight messages complete, no new ones are sent, failures no longer count.</summary>
    public volatile bool Running = true;

    private readonly ConcurrentDictionary<string, long> _errorKinds = new();

    /// <summary>How many failures of each kind (e.g. "connect timed out": 46), for the summary.</summary>
    public IEnumerable<KeyValuePair<string, long>> ErrorKinds => _errorKinds.OrderByDescending(e => e.Value);

    /// <summary>
    /// Counts a failure by <paramref name="kind"/> and prints the first few with their
    /// <paramref name="detail"/>: enough to diagnose, without 10,000 identical lines. Failures are
    /// rare, so the dictionary costs nothing on the hot path.
    /// </summary>
    public void ReportError(string kind, string? detail = null)
    {
        _errorKinds.AddOrUpdate(kind, 1, static (_, n) => n + 1);
        int n = Interlocked.Increment(ref _reportedErrors);
        if (n <= MaxReportedErrors)
        {
            Console.Error.WriteLine(detail is null ? $"error: {kind}" : $"error: {kind} ({detail})");
        }
        else if (n == MaxReportedErrors + 1)
        {
            Console.Error.WriteLine("error: (further errors are counted, not printed)");
        }
    }
}
