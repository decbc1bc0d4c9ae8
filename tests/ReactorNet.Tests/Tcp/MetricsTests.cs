using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

public sealed class MetricsTests
{
    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose() => Meters.ForEach(m => m.Dispose());
    }

    [Fact]
    public async Task Instruments_report_what_the_connections_did()
    {
        using var meters = new TestMeterFactory();
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters) // only this test's reactor, not others running in parallel
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"|{tag.Key}={tag.Value}";
            }
            totals.AddOrUpdate(key, value, (_, old) => old + value);
        });
        listener.Start();

        using var harness = new EchoServerHarness(reactorOptions: new ReactorOptions { MeterFactory = meters });
        for (int i = 0; i < 3; i++)
        {
            using Socket client = await harness.ConnectClientAsync();
            await client.SendAsync(new byte[100], SocketFlags.None);
            (await client.ReceiveExactlyAsync(100)).Should().HaveCount(100);
            client.Shutdown(SocketShutdown.Send);
            (await client.ReceiveToEndAsync()).Should().BeEmpty();
        }
        await harness.Handler.WhenClosed(3).WaitAsync(LoopHarness.Timeout);
        harness.Loop.Invoke(() => 0); // the loop is past the last close

        meters.Meters.Should().ContainSingle().Which.Name.Should().Be("ReactorNet");
        totals.GetValueOrDefault("reactor.connections.accepted").Should().Be(3);
        totals.GetValueOrDefault("reactor.connections.active").Should().Be(0);
        totals.GetValueOrDefault("reactor.connections.closed|reason=Graceful").Should().Be(3);
        totals.GetValueOrDefault("reactor.bytes.received").Should().Be(300);
        totals.GetValueOrDefault("reactor.bytes.sent").Should().Be(300);
        totals.GetValueOrDefault("reactor.output.pending").Should().Be(0);
        totals.GetValueOrDefault("reactor.events.dispatched").Should().BeGreaterThanOrEqualTo(9, "an accept, a read and a FIN per connection at least");
    }
}
