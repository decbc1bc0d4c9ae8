using System.Diagnostics;

namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>
/// Runs the phases of a load test on the main thread — connect (paced), warm up, measure, stop —
/// while the worker loops carry the traffic, and prints a progress line every second.
/// </summary>
internal sealed class LoadRunner(LoadOptions options)
{
    private readonly LoadRunState _run = new(options);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private LoadWorker[] _workers = [];
    private CounterSnapshot _lastProgress;
    private double _lastProgressAt;

    public LoadReport Run()
    {
        _workers = new LoadWorker[options.Threads];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new LoadWorker(i, _run);
            _workers[i].Start();
        }
        try
        {
            ConnectAll();
            // Nothing to measure without a connection: say so at once instead of idling through the phases.
            bool any = Totals().Open > 0;
            RunPhase("warmup", any ? options.WarmupSeconds : 0);
            CounterSnapshot before = Totals();
            int gcBefore = GC.CollectionCount(0);
            _run.Measuring = true;
            double start = Now;
            RunPhase("run", any ? options.DurationSeconds : 0);
            _run.Measuring = false;
            double elapsed = Now - start;
            CounterSnapshot measured = Totals() - before;
            // The loops allocate nothing per message; only the progress lines do. A rising count
            // here would mean a hot path started allocating.
            int collections = GC.CollectionCount(0) - gcBefore;
            _run.Running = false;
            foreach (LoadWorker w in _workers)
            {
                w.Stop();
            }
            var latency = new LatencyHistogram();
            foreach (LoadWorker w in _workers)
            {
                latency.Add(w.Histogram);
            }
            CounterSnapshot final = Totals();
            return new LoadReport(options, elapsed, measured, final, latency, [.. _run.ErrorKinds], collections);
        }
        finally
        {
            _run.Running = false;
            foreach (LoadWorker w in _workers)
            {
                w.Dispose();
            }
        }
    }

    private double Now => _clock.Elapsed.TotalSeconds;

    private CounterSnapshot Totals()
    {
        CounterSnapshot sum = default;
        foreach (LoadWorker w in _workers)
        {
            sum += w.Counters.Read();
        }
        return sum;
    }

    /// <summary>
    /// Opens the connections round-robin over the loops, at most --connect-rate per second, then
    /// waits until every one is established or has failed (or the connect timeout passes).
    /// </summary>
    private void ConnectAll()
    {
        double start = Now;
        int started = 0;
        while (started < options.Connections)
        {
            int due = options.ConnectRate > 0
                ? Math.Min(options.Connections, 1 + (int)((Now - start) * options.ConnectRate))
                : options.Connections;
            for (; started < due; started++)
            {
                _workers[started % _workers.Length].Connect(started);
            }
            if (started < options.Connections)
            {
                Thread.Sleep(1);
            }
            MaybePrintProgress("connect");
        }
        double deadline = Now + options.ConnectTimeoutSeconds;
        while (true)
        {
            CounterSnapshot t = Totals();
            if (t.Connected + t.ConnectFailed >= options.Connections)
            {
                break;
            }
            if (Now >= deadline)
            {
                foreach (LoadWorker w in _workers)
                {
                    w.AbortPendingConnects();
                }
                break;
            }
            Thread.Sleep(5);
            MaybePrintProgress("connect");
        }
        CounterSnapshot done = Totals();
        Console.WriteLine($"connected {done.Connected} of {options.Connections} in {Now - start:F2} s ({done.ConnectFailed} failed)");
    }

    private void RunPhase(string name, double seconds)
    {
        double end = Now + seconds;
        while (true)
        {
            double left = end - Now;
            if (left <= 0)
            {
                break;
            }
            Thread.Sleep(TimeSpan.FromSeconds(Math.Min(left, Math.Max(0.001, _lastProgressAt + 1 - Now))));
            MaybePrintProgress(name);
        }
    }

    private void MaybePrintProgress(string phase)
    {
        double now = Now;
        if (now - _lastProgressAt < 1)
        {
            return;
        }
        CounterSnapshot t = Totals();
        CounterSnapshot d = t - _lastProgress;
        double span = now - _lastProgressAt;
        Console.WriteLine(
            $"[{phase,-7} {now,6:F1}s] {d.RoundTrips / span,12:N0} rt/s {d.BytesReceived / span / 1e6,9:F2} MB/s  open {t.Open,6}  errors {t.Errors}  mismatches {t.Mismatches}");
        _lastProgress = t;
        _lastProgressAt = now;
    }
}
