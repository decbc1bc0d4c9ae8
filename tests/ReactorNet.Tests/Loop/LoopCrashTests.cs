using System.Diagnostics.Metrics;
using System.Net;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// A round of the loop that throws outside any callback (here: the application's metrics listener,
/// called by the loop's own instruments) ends the loop: Completion faults, and no work queued for
/// the loop may be stranded, or a TcpServer.Dispose waiting for its sweep would wait for ever.
/// </summary>
public sealed class LoopCrashTests
{
    [Fact]
    public void A_crashing_round_still_runs_the_work_queued_for_the_loop_and_faults_Completion()
    {
        using var meters = new ScopedMeterFactory();
        var reactor = new Reactor(new ReactorOptions { MeterFactory = meters });
        bool ran = false;
        int armed = 1;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "reactor.events.dispatched")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) =>
        {
            if (Interlocked.Exchange(ref armed, 0) == 1)
            {
                reactor.Post(() => ran = true); // queued on the loop thread after this round's drain
                throw new InvalidOperationException("metrics listener bug");
            }
        });
        listener.Start();
        reactor.Start();
        reactor.Post(() => { }); // wakes the loop: an eventfd event, so the round reports events
        reactor.Completion.Awaiting(c => c.WaitAsync(LoopHarness.Timeout)).Should().ThrowAsync<InvalidOperationException>()
            .WithMessage("metrics listener bug").Wait();
        ran.Should().BeTrue("work queued for a loop runs even when the loop ends by an exception");
        reactor.Dispose();
    }

    [Fact]
    public void Server_Dispose_after_a_loop_crashed_returns_and_closes_its_connections()
    {
        using var meters = new ScopedMeterFactory();
        var reactor = new Reactor(new ReactorOptions { MeterFactory = meters });
        var handler = new RecordingHandler();
        TcpServer? server = null;
        int armed = 0;
        Task? disposing = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "reactor.events.dispatched")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) =>
        {
            if (Interlocked.Exchange(ref armed, 0) == 1)
            {
                // Another thread disposes the server while this loop still runs: its sweep is queued
                // for this loop, and then the round throws.
                disposing = Task.Factory.StartNew(server!.Dispose, TaskCreationOptions.LongRunning);
                // Wait until both are queued: the listener's stop and the connection sweep.
                SpinWait.SpinUntil(() => reactor.PendingWorkCount >= 2, LoopHarness.Timeout);
                throw new InvalidOperationException("metrics listener bug");
            }
        });
        listener.Start();
        reactor.Start();
        server = new TcpServer(reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler);
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        client.Connect(server.LocalEndPoint);
        client.Send("x"u8);
        client.Receive(new byte[1]).Should().Be(1);
        Volatile.Write(ref armed, 1);
        reactor.Post(() => { });
        reactor.Completion.Awaiting(c => c.WaitAsync(LoopHarness.Timeout)).Should().ThrowAsync<InvalidOperationException>().Wait();
        SpinWait.SpinUntil(() => disposing is not null, LoopHarness.Timeout).Should().BeTrue();
        disposing!.Wait(LoopHarness.Timeout).Should().BeTrue("the server's sweep was queued for the loop, which must run it");
        handler.Closes.Values.Single().Should().Equal([CloseReason.Shutdown]);
        reactor.Dispose();
    }

    private sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
