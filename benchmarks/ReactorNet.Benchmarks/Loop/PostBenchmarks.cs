using BenchmarkDotNet.Attributes;

namespace ReactorNet.Benchmarks.Loop;

/// <summary>
/// <see cref="Reactor.Post{TState}"/> from another thread to a running loop (on its own thread, as
/// in production). Latency: post one item and wait until the loop has run it, 100 times in a row;
/// the loop sleeps in <c>epoll_wait</c> between items, so each one pays the eventfd wake-up.
/// Throughput: post 1,000 items back to back and wait for the last; the loop drains them in
/// batches and the producer mostly skips the wake-up because one is already pending.
/// The delegate is a cached static lambda with a state object: Allocated must be 0 B.
/// </summary>
public class PostBenchmarks
{
    private const int PingPongs = 100;
    private const int Batch = 1000;

    private static readonly Action<Probe> s_touch = static p => Volatile.Write(ref p.Count, p.Count + 1);

    private readonly Probe _probe = new();
    private Reactor? _reactor;
    private Task? _loop;

    [GlobalSetup]
    public void Setup()
    {
        _reactor = new Reactor();
        _reactor.Start();
        _loop = _reactor.Completion;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reactor!.Dispose();
        _loop!.Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>Time from <c>Post</c> to the callback having run, one item in flight.</summary>
    [Benchmark(OperationsPerInvoke = PingPongs)]
    public void PostAndWait()
    {
        for (int i = 0; i < PingPongs; i++)
        {
            int target = Volatile.Read(ref _probe.Count) + 1;
            _reactor!.Post(s_touch, _probe);
            WaitFor(target);
        }
    }

    /// <summary>Cost per item when the benchmark thread posts as fast as it can.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void PostBatch()
    {
        int target = Volatile.Read(ref _probe.Count) + Batch;
        for (int i = 0; i < Batch; i++)
        {
            _reactor!.Post(s_touch, _probe);
        }
        WaitFor(target);
    }

    private void WaitFor(int target)
    {
        // Spin, then yield, but never Sleep(1): a millisecond nap would swamp a microsecond figure.
        var spinner = new SpinWait();
        while (Volatile.Read(ref _probe.Count) < target)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Written by the loop thread only; read by the benchmark thread.</summary>
    private sealed class Probe
    {
        public int Count;
    }
}
