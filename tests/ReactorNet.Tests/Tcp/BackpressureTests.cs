using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

public sealed class BackpressureTests
{
    /// <summary>Sends <see cref="Total"/> bytes as fast as backpressure allows, and records the most ever pending.</summary>
    private sealed class Producer(long total, int chunk) : IConnectionHandler
    {
        private readonly byte[] _chunk = Enumerable.Range(0, chunk).Select(i => (byte)i).ToArray();
        private long _sent;

        public long Total => total;

        public int MaxPending { get; private set; }

        public int PausedCount { get; private set; }

        public TaskCompletionSource Paused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TcpConnection? Connection { get; private set; }

        public void OnConnected(TcpConnection connection)
        {
            Connection = connection;
            Pump(connection);
        }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            return data.Length;
        }

        public void OnWritabilityChanged(TcpConnection connection, bool writable)
        {
            if (writable)
            {
                Pump(connection);
            }
            else
            {
                PausedCount++;
                Paused.TrySetResult();
            }
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);

        private void Pump(TcpConnection connection)
        {
            while (connection.IsWritable && _sent < total)
            {
                int n = (int)Math.Min(_chunk.Length, total - _sent);
                if (!connection.TrySend(_chunk.AsSpan(0, n)))
                {
                    return;
                }
                _sent += n;
                MaxPending = Math.Max(MaxPending, connection.PendingOutputBytes);
            }
            if (_sent == total)
            {
                connection.Close();
            }
        }
    }

    [Fact]
    public async Task A_reader_that_stops_reading_keeps_server_memory_near_the_high_water_mark_and_gets_all_of_one_GiB_later()
    {
        const long Total = 1L << 30;
        const int Chunk = 64 * 1024;
        var options = new TcpConnectionOptions { HighWaterMark = 1 << 20, LowWaterMark = 256 << 10 };
        var producer = new Producer(Total, Chunk);
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => producer, new TcpServerOptions { Connection = options });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await client.ConnectAsync(server.LocalEndPoint);

        // Not reading: the kernel buffers fill, then the server's queue reaches the high-water mark.
        await producer.Paused.Task.WaitAsync(LoopHarness.Timeout);
        loop.WaitRounds(20);
        int pendingWhileStalled = loop.Invoke(() => producer.Connection!.PendingOutputBytes);
        pendingWhileStalled.Should().BeInRange(options.HighWaterMark, options.HighWaterMark + Chunk);

        // Now read everything: the producer resumes each time the queue drains below the low-water mark.
        var buffer = new byte[1 << 20];
        long received = 0;
        long expectedIndex = 0;
        bool contentOk = true;
        while (true)
        {
            int n = await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (n == 0)
            {
                break;
            }
            for (int i = 0; i < n; i += 4099) // spot-check the pattern: byte k of every chunk is (byte)k
            {
                contentOk &= buffer[i] == (byte)((expectedIndex + i) % Chunk);
            }
            expectedIndex += n;
            received += n;
        }

        client.Shutdown(SocketShutdown.Send); // answer the server's FIN with ours: a graceful close
        received.Should().Be(Total);
        contentOk.Should().BeTrue();
        (await producer.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
        producer.MaxPending.Should().BeLessThanOrEqualTo(options.HighWaterMark + Chunk, "the producer stops at the high-water mark");
        producer.PausedCount.Should().BeGreaterThan(1, "backpressure engaged and released repeatedly");
    }

    [Fact]
    public async Task Ignoring_backpressure_past_the_hard_limit_closes_the_connection()
    {
        var options = new TcpConnectionOptions { HighWaterMark = 64 << 10, LowWaterMark = 16 << 10, MaxPendingOutputBytes = 1 << 20 };
        var handler = new FloodHandler();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("go"u8.ToArray(), SocketFlags.None); // flood only once the client is surely connected

        (await handler.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.OutputLimitExceeded);
        await handler.FloodDone.Task.WaitAsync(LoopHarness.Timeout);
        handler.Refused.Should().BeTrue();
        handler.ClosedInsideTrySend.Should().BeFalse("the close is reported after the refused TrySend, not inside it");
        handler.SentBeforeRefusal.Should().BeLessThan(64L << 20, "the flood was cut off, not buffered");
    }

    private sealed class FloodHandler : IConnectionHandler
    {
        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private bool _inSend;

        public bool Refused { get; private set; }

        public bool ClosedInsideTrySend { get; private set; }

        public TaskCompletionSource FloodDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long SentBeforeRefusal { get; private set; }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            var chunk = new byte[64 * 1024];
            for (int i = 0; i < 1024; i++) // 64 MiB, ignoring IsWritable
            {
                _inSend = true;
                bool taken = connection.TrySend(chunk);
                _inSend = false;
                if (!taken)
                {
                    Refused = true;
                    break;
                }
                SentBeforeRefusal += chunk.Length;
            }
            FloodDone.TrySetResult();
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
        {
            ClosedInsideTrySend |= _inSend;
            Closed.TrySetResult(reason);
        }
    }
}
