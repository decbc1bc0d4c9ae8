using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace ReactorNet;

/// <summary>
/// The library's instruments on a <see cref="Meter"/> named <c>Reactor</c>, named after the
/// OpenTelemetry conventions (<c>reactor.*</c>, units in UCUM). Each instrument costs one
/// "is anybody listening" check when nobody is, so they stay on the hot path.
/// </summary>
internal sealed class ReactorMetrics
{
    /// <summary>The meter name to subscribe to, e.g. <c>dotnet-counters monitor --counters Reactor</c>.</summary>
    public const string MeterName = "ReactorNet";

    private static ReactorMetrics? s_shared;

    private readonly Counter<long> _eventsDispatched;
    private readonly Histogram<double> _loopDuration;
    private readonly UpDownCounter<long> _activeConnections;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly UpDownCounter<long> _pendingOutput;
    private readonly Counter<long> _stalls;

    /// <summary>The posted-work queues of the reactors using these instruments; weak, so an undisposed reactor is not kept alive.</summary>
    private readonly ConditionalWeakTable<WorkQueue, object?> _workQueues = new();

    private ReactorMetrics(Meter meter)
    {
        _stalls = meter.CreateCounter<long>("reactor.loop.stalls", "{stall}", "Callbacks that held a loop longer than ReactorOptions.StallThreshold.");
        _eventsDispatched = meter.CreateCounter<long>("reactor.events.dispatched", "{event}", "Readiness events delivered to handlers.");
        _loopDuration = meter.CreateHistogram<double>("reactor.loop.iteration.duration", "s", "Time a loop spends handling one epoll_wait batch (excluding the wait).");
        _activeConnections = meter.CreateUpDownCounter<long>("reactor.connections.active", "{connection}", "Open connections.");
        _accepted = meter.CreateCounter<long>("reactor.connections.accepted", "{connection}", "Connections accepted by listeners.");
        _rejected = meter.CreateCounter<long>("reactor.connections.rejected", "{connection}", "Connections refused because the server was at its connection limit or out of descriptors.");
        _closed = meter.CreateCounter<long>("reactor.connections.closed", "{connection}", "Connections closed, tagged with the reason.");
        _bytesReceived = meter.CreateCounter<long>("reactor.bytes.received", "By", "Bytes read from connections.");
        _bytesSent = meter.CreateCounter<long>("reactor.bytes.sent", "By", "Bytes written to connections.");
        _pendingOutput = meter.CreateUpDownCounter<long>("reactor.output.pending", "By", "Bytes queued for sending because sockets would not take them yet.");
        // Observed only when a listener collects: Post pays nothing for it.
        meter.CreateObservableUpDownCounter("reactor.work.pending", PostedWork, "{item}", "Work items posted to loops and not yet run.");
    }

    public static ReactorMetrics Create(IMeterFactory? factory) =>
        factory is null
            ? s_shared ??= new ReactorMetrics(new Meter(MeterName, typeof(ReactorMetrics).Assembly.GetName().Version?.ToString()))
            : new ReactorMetrics(factory.Create(new MeterOptions(MeterName)));

    public bool LoopDurationEnabled => _loopDuration.Enabled;

    public void Track(WorkQueue queue) => _workQueues.AddOrUpdate(queue, null);

    public void Untrack(WorkQueue queue) => _workQueues.Remove(queue);

    private long PostedWork()
    {
        long total = 0;
        foreach (KeyValuePair<WorkQueue, object?> entry in _workQueues)
        {
            total += entry.Key.Count;
        }
        return total;
    }

    public void EventsDispatched(int count) => _eventsDispatched.Add(count);

    public void Stalled() => _stalls.Add(1);

    public void LoopIteration(double seconds) => _loopDuration.Record(seconds);

    public void Accepted() => _accepted.Add(1);

    public void Rejected(string why) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", why));

    public void Opened() => _activeConnections.Add(1);

    public void Closed(string reason)
    {
        _activeConnections.Add(-1);
        _closed.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void BytesReceived(long bytes) => _bytesReceived.Add(bytes);

    public void BytesSent(long bytes) => _bytesSent.Add(bytes);

    public void PendingOutput(long delta) => _pendingOutput.Add(delta);
}
