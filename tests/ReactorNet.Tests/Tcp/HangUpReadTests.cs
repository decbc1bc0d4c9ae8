using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// A hang-up (EPOLLHUP: both FINs exchanged) can arrive in the same event as the peer's last
/// bytes: every unread byte must still reach the handler, and the close is graceful.
/// </summary>
public sealed class HangUpReadTests
{
    [Fact]
    public async Task Last_words_and_FIN_arriving_after_our_FIN_are_all_delivered_and_the_close_is_Graceful()
    {
        const int Reply = 100 * 1024;
        const int LastWords = 300 * 1024;
        var lastWords = Enumerable.Range(0, LastWords).Select(i => (byte)(i * 7)).ToArray();
        for (int round = 0; round < 20; round++)
        {
            bool replied = false;
            var handler = new ScriptedHandler
            {
                KeepData = true,
                Data = (c, data) =>
                {
                    if (!replied)
                    {
                        replied = true;
                        c.TrySend(new byte[Reply]);
                        c.Close();
                    }
                },
            };
            using var loop = new LoopHarness();
            using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler,
                new TcpServerOptions { Connection = new TcpConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(60) } });
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
            await client.SendAsync("x"u8.ToArray(), SocketFlags.None);
            (await client.ReceiveToEndAsync()).Should().HaveCount(Reply, "round {0}", round);

            // The server has sent FIN; the client's last words and its FIN now arrive together.
            await client.SendAsync(lastWords, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);

            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful, "round {0}", round);
            handler.Received.Should().Be(1 + LastWords, "round {0}", round);
            handler.ReceivedData.ToArray().AsSpan(1).SequenceEqual(lastWords).Should().BeTrue();
        }
    }

    private static ScriptedHandler PausedCloser() => new()
    {
        Connected = c =>
        {
            c.PauseReading();
            c.Close(); // our FIN first: the peer's FIN then makes a hang-up (EPOLLHUP), which epoll cannot mask
        },
    };

    [Fact]
    public async Task A_paused_reader_gets_all_of_1_MiB_and_the_FIN_after_resume_then_closes_Graceful()
    {
        const int Payload = 1 << 20;
        var handler = PausedCloser();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler,
            new TcpServerOptions { Connection = new TcpConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(60) } });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        client.Connect(server.LocalEndPoint);
        TcpConnection connection = await handler.ConnectedTask.Task.WaitAsync(LoopHarness.Timeout);
        (await client.ReceiveToEndAsync()).Should().BeEmpty("the server sent FIN");

        Task send = Task.Run(async () =>
        {
            await client.SendAsync(new byte[Payload], SocketFlags.None); // may block until the server reads
            client.Shutdown(SocketShutdown.Send);
        });
        loop.WaitRounds(10);
        handler.Received.Should().Be(0, "reading is paused");
        loop.Invoke(connection.ResumeReading);

        await send.WaitAsync(LoopHarness.Timeout);
        (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
        handler.Received.Should().Be(Payload);
    }

    [Fact]
    public async Task A_paused_reader_after_hang_up_keeps_the_data_and_the_loop_does_not_spin()
    {
        const int Payload = 32 * 1024; // fits the receive window: data and FIN reach the server while it is paused
        using var events = new EventCounter();
        var handler = PausedCloser();
        using var loop = new LoopHarness(new ReactorOptions { MeterFactory = events.Factory });
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler,
            new TcpServerOptions { Connection = new TcpConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(60) } });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        client.Connect(server.LocalEndPoint);
        TcpConnection connection = await handler.ConnectedTask.Task.WaitAsync(LoopHarness.Timeout);
        (await client.ReceiveToEndAsync()).Should().BeEmpty("the server sent FIN");

        await client.SendAsync(new byte[Payload], SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        // Count the events the loop dispatches in a 300 ms window: a loop that spins on the
        // unmaskable EPOLLHUP of the paused connection dispatches thousands.
        long before = events.Dispatched;
        var window = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(300), () => window.TrySetResult(events.Dispatched));
        long during = await window.Task.WaitAsync(LoopHarness.Timeout) - before;
        handler.Received.Should().Be(0, "reading is paused");
        connection.IsClosed.Should().BeFalse("unread data is not thrown away");
        during.Should().BeLessThan(100, "a paused connection after a hang-up is not reported round after round");

        loop.Invoke(connection.ResumeReading);
        (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
        handler.Received.Should().Be(Payload);
    }

    /// <summary>Counts <c>reactor.events.dispatched</c> of one reactor.</summary>
    private sealed class EventCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _dispatched;

        public EventCounter()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == Factory && instrument.Name == "reactor.events.dispatched")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _dispatched, value));
            _listener.Start();
        }

        public MeterFactory Factory { get; } = new();

        public long Dispatched => Interlocked.Read(ref _dispatched);

        public void Dispose()
        {
            _listener.Dispose();
            Factory.Dispose();
        }

        public sealed class MeterFactory : System.Diagnostics.Metrics.IMeterFactory
        {
            private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

            public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
            {
                var meter = new System.Diagnostics.Metrics.Meter(options.Name, options.Version, options.Tags, scope: this);
                _meters.Add(meter);
                return meter;
            }

            public void Dispose() => _meters.ForEach(m => m.Dispose());
        }
    }
}
