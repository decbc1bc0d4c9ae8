using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;

namespace ReactorNet.Samples.Echo;

/// <summary>
/// <c>--stats</c>: counts what the loops did from the library's own instruments and prints the
/// counts on stdout when the process gets SIGUSR1 (<c>kill -USR1 PID</c>), one numbered line per
/// request: <c>stats 1: wakeups=W events=E accepted=A rejected=R</c>. A wake-up is one
/// <c>epoll_wait</c> that returned events; a loop that spins on a readable socket shows as
/// thousands of wake-ups per second, an idle one as none.
/// </summary>
/// <remarks>
/// Opt-in because listening to <c>reactor.loop.iteration.duration</c> makes every loop round read
/// the clock once more. The counters are plain interlocked adds on the loop threads; the printing
/// happens on the thread that handles the signal.
/// </remarks>
internal sealed class LoopStats : IDisposable
{
    private const int SIGUSR1 = 10; // Linux, every architecture .NET runs on

    private readonly MeterListener _listener = new();
    private readonly PosixSignalRegistration _signal;
    private long _wakeups;
    private long _events;
    private long _accepted;
    private long _rejected;
    private int _reports;

    public LoopStats(TextWriter output)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "ReactorNet" && instrument.Name is "reactor.loop.iteration.duration"
                or "reactor.events.dispatched" or "reactor.connections.accepted" or "reactor.connections.rejected")
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<double>(static (instrument, _, _, state) => Interlocked.Increment(ref ((LoopStats)state!)._wakeups));
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, _, state) => ((LoopStats)state!).Add(instrument.Name, value));
        _listener.Start();
        // Raw signal numbers are accepted on Unix; the handler runs on a thread of the runtime, not on a loop.
        _signal = PosixSignalRegistration.Create((PosixSignal)SIGUSR1, context =>
        {
            context.Cancel = true;
            output.WriteLine(Describe());
            output.Flush();
        });
    }

    /// <summary>The next numbered report line.</summary>
    public string Describe() =>
        $"stats {Interlocked.Increment(ref _reports)}: wakeups={Interlocked.Read(ref _wakeups)} events={Interlocked.Read(ref _events)} " +
        $"accepted={Interlocked.Read(ref _accepted)} rejected={Interlocked.Read(ref _rejected)}";

    private void Add(string instrument, long value)
    {
        switch (instrument)
        {
            case "reactor.events.dispatched":
                Interlocked.Add(ref _events, value);
                break;
            case "reactor.connections.accepted":
                Interlocked.Add(ref _accepted, value);
                break;
            case "reactor.connections.rejected":
                Interlocked.Add(ref _rejected, value);
                break;
        }
    }

    public void Dispose()
    {
        _signal.Dispose();
        _listener.Dispose();
    }
}
