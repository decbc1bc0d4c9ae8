using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// Closing never throws away output the application was told would be sent (only Abort and a
/// reset do): a slow reader gets everything, a reader that stopped is dropped by the
/// write-stall timeout, half-close keeps the connection readable.
/// </summary>
public sealed class CloseFlushTests
{
    private static (LoopHarness Loop, TcpServer Server) Serve(ScriptedHandler handler, TcpConnectionOptions options)
    {
        var loop = new LoopHarness();
        return (loop, new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options }));
    }

    [Fact]
    public async Task Close_with_a_short_CloseTimeout_still_delivers_everything_to_a_slow_but_steady_reader()
    {
        const int Total = 2 << 20;
        var payload = Enumerable.Range(0, Total).Select(i => (byte)(i * 31)).ToArray();
        var handler = new ScriptedHandler
        {
            Connected = c =>
            {
                c.TrySend(payload).Should().BeTrue();
                c.Close();
            },
        };
        var (loop, server) = Serve(handler, new TcpConnectionOptions { CloseTimeout = TimeSpan.FromMilliseconds(100), MaxPendingOutputBytes = 4 << 20 });
        using (loop)
        using (server)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 32 * 1024 };
            client.Connect(server.LocalEndPoint);

            // Read 32 KiB at a time with a pause in between: about 1.3 s for 2 MiB, far longer than CloseTimeout.
            using var received = new MemoryStream();
            var buffer = new byte[32 * 1024];
            while (true)
            {
                int n = await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(LoopHarness.Timeout);
                if (n == 0)
                {
                    break;
                }
                received.Write(buffer, 0, n);
                await Task.Delay(20); // pacing the slow reader, not synchronisation
            }

            received.ToArray().AsSpan().SequenceEqual(payload).Should().BeTrue("all 2 MiB arrive in order, then the FIN");
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().BeOneOf(CloseReason.CloseTimeout, CloseReason.Graceful);
        }
    }

    [Fact]
    public async Task Close_to_a_peer_that_never_reads_ends_with_WriteStalled_and_frees_the_connection()
    {
        var handler = new ScriptedHandler
        {
            Connected = c =>
            {
                c.TrySend(new byte[16 << 20]).Should().BeTrue(); // more than the kernel buffers take
                c.Close();
            },
        };
        var options = new TcpConnectionOptions
        {
            MaxPendingOutputBytes = 32 << 20,
            WriteStallTimeout = TimeSpan.FromMilliseconds(300),
            CloseTimeout = TimeSpan.FromMilliseconds(100),
        };
        var (loop, server) = Serve(handler, options);
        using (loop)
        using (server)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
            client.Connect(server.LocalEndPoint); // and never reads

            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.WriteStalled);
            loop.Invoke(() => 0);
            server.ConnectionCount.Should().Be(0);
        }
    }

    [Fact]
    public async Task A_connection_whose_peer_stops_reading_is_reset_after_WriteStallTimeout_even_without_Close()
    {
        var handler = new ScriptedHandler { Connected = c => c.TrySend(new byte[8 << 20]).Should().BeTrue() };
        var (loop, server) = Serve(handler, new TcpConnectionOptions { MaxPendingOutputBytes = 16 << 20, WriteStallTimeout = TimeSpan.FromMilliseconds(300) });
        using (loop)
        using (server)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
            client.Connect(server.LocalEndPoint);
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.WriteStalled);
        }
    }

    [Fact]
    public async Task ShutdownOutput_flushes_then_sends_FIN_and_the_connection_keeps_reading_without_a_close_timer()
    {
        const int Total = 8 << 20;
        var payload = Enumerable.Range(0, Total).Select(i => (byte)(i * 17)).ToArray();
        bool sendAfterShutdown = true;
        var allHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler
        {
            KeepData = true,
            Data = (c, _) =>
            {
                if (c.BytesReceived == 30)
                {
                    allHeard.TrySetResult();
                }
            },
            Connected = c =>
            {
                c.TrySend(payload).Should().BeTrue();
                c.PendingOutputBytes.Should().BeGreaterThan(0, "the test needs output still pending when ShutdownOutput is called");
                c.ShutdownOutput();
                c.ShutdownOutput(); // idempotent
                sendAfterShutdown = c.TrySend("late"u8);
            },
            PeerClosed = _ => { }, // do not close: the test checks that both FINs make a graceful close
        };
        var (loop, server) = Serve(handler, new TcpConnectionOptions { MaxPendingOutputBytes = 16 << 20, CloseTimeout = TimeSpan.FromMilliseconds(50) });
        using (loop)
        using (server)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            client.Connect(server.LocalEndPoint);
            TcpConnection connection = await handler.ConnectedTask.Task.WaitAsync(LoopHarness.Timeout);

            (await client.ReceiveToEndAsync()).AsSpan().SequenceEqual(payload).Should().BeTrue("everything, then EOF");
            sendAfterShutdown.Should().BeFalse("Send is refused once ShutdownOutput was requested");

            // The peer may still talk to us, for longer than CloseTimeout.
            for (int i = 0; i < 3; i++)
            {
                await client.SendAsync("still here"u8.ToArray(), SocketFlags.None);
            }
            await allHeard.Task.WaitAsync(LoopHarness.Timeout);
            var window = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Reactor.Schedule(TimeSpan.FromMilliseconds(300), () => window.TrySetResult()); // 6 x CloseTimeout
            await window.Task.WaitAsync(LoopHarness.Timeout);
            connection.IsClosed.Should().BeFalse("no timer closes a half-closed connection");
            handler.ReceivedData.ToArray().Should().Equal(Enumerable.Repeat("still here"u8.ToArray(), 3).SelectMany(b => b));

            client.Shutdown(SocketShutdown.Send);
            await handler.PeerClosedTask.Task.WaitAsync(LoopHarness.Timeout);
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
        }
    }

    [Fact]
    public async Task Without_auto_pause_a_connection_over_the_high_water_mark_keeps_reading_and_hears_when_it_drained()
    {
        bool? writableWhenMoreArrived = null;
        var moreArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler
        {
            Data = (c, data) =>
            {
                if (data[0] == (byte)'g')
                {
                    c.TrySend(new byte[16 << 20]); // more than the kernel buffers take: far above the high-water mark
                }
                else
                {
                    writableWhenMoreArrived ??= c.IsWritable;
                    if (c.BytesReceived == 1 + 100_000)
                    {
                        moreArrived.TrySetResult();
                    }
                }
            },
        };
        var options = new TcpConnectionOptions { PauseReadingAtHighWaterMark = false, HighWaterMark = 64 << 10, LowWaterMark = 16 << 10, MaxPendingOutputBytes = 32 << 20 };
        var (loop, server) = Serve(handler, options);
        using (loop)
        using (server)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
            client.Connect(server.LocalEndPoint);
            await client.SendAsync("g"u8.ToArray(), SocketFlags.None);
            await handler.NotWritable.Task.WaitAsync(LoopHarness.Timeout);

            await client.SendAsync(new byte[100_000], SocketFlags.None);
            await moreArrived.Task.WaitAsync(LoopHarness.Timeout); // reading goes on although output is over the high-water mark
            writableWhenMoreArrived.Should().BeFalse("the data arrived while the output was above the high-water mark");
            handler.WritableAgain.Task.IsCompleted.Should().BeFalse();

            (await client.ReceiveExactlyAsync(16 << 20)).Should().HaveCount(16 << 20);
            await handler.WritableAgain.Task.WaitAsync(LoopHarness.Timeout);
        }
    }
}
