using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// Output made on the loop thread is gathered and written once: at the end of the connection's
/// dispatch, or before the loop blocks again for sends made elsewhere on the loop (issue #13).
/// <see cref="TcpConnection.WriteCalls"/> counts the write system calls.
/// </summary>
public sealed class BatchedOutputTests
{
    private const int RequestSize = 12; // a 4-byte length and 8 bytes of payload

    /// <summary>Answers every whole 4-byte-length frame with its own <see cref="TcpConnection.TrySend"/> of an 8-byte reply.</summary>
    private sealed class PipelineHandler : IConnectionHandler
    {
        public TaskCompletionSource<TcpConnection> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Reads { get; private set; }

        public long WriteCallsSeenInLastRead { get; private set; }

        public void OnConnected(TcpConnection connection) => Connected.TrySetResult(connection);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            Reads++;
            long before = connection.WriteCalls;
            int consumed = 0;
            while (data.Length - consumed >= 4 && data.Length - consumed - 4 >= BinaryPrimitives.ReadInt32BigEndian(data[consumed..]))
            {
                int length = BinaryPrimitives.ReadInt32BigEndian(data[consumed..]);
                connection.TrySend("reply-ok"u8).Should().BeTrue();
                consumed += 4 + length;
            }
            WriteCallsSeenInLastRead = connection.WriteCalls - before;
            return consumed;
        }
    }

    private static async Task<(LoopHarness Loop, TcpServer Server, Socket Client, TcpConnection Connection)> StartAsync(PipelineHandler handler, TcpConnectionOptions? options = null)
    {
        var loop = new LoopHarness();
        var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options ?? TcpConnectionOptions.Default });
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        TcpConnection connection = await handler.Connected.Task.WaitAsync(LoopHarness.Timeout);
        return (loop, server, client, connection);
    }

    private static byte[] Requests(int count)
    {
        var bytes = new byte[count * RequestSize];
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(i * RequestSize), RequestSize - 4);
        }
        return bytes;
    }

    private static void ReceiveExactly(Socket client, int count)
    {
        var buffer = new byte[count];
        int got = 0;
        client.ReceiveTimeout = (int)LoopHarness.Timeout.TotalMilliseconds;
        while (got < count)
        {
            int n = client.Receive(buffer, got, count - got, SocketFlags.None);
            n.Should().BePositive("the server answers every request");
            got += n;
        }
    }

    [Fact]
    public async Task Sixteen_pipelined_requests_in_one_read_cost_one_write_system_call()
    {
        var handler = new PipelineHandler();
        var (loop, server, client, connection) = await StartAsync(handler);
        using (loop)
        using (server)
        using (client)
        {
            const int Depth = 16;
            for (int round = 0; round < 20; round++)
            {
                long before = loop.Invoke(() => connection.WriteCalls);
                int readsBefore = loop.Invoke(() => handler.Reads);
                client.Send(Requests(Depth)); // 192 bytes in one segment: one read on the server
                ReceiveExactly(client, Depth * 8);
                long writes = loop.Invoke(() => connection.WriteCalls) - before;
                int reads = loop.Invoke(() => handler.Reads) - readsBefore;
                writes.Should().Be(reads, $"round {round}: one write per read batch, not one per reply ({Depth} replies in {reads} read(s))");
                loop.Invoke(() => handler.WriteCallsSeenInLastRead).Should().Be(0, "nothing is written while the handler still runs");
            }
        }
    }

    [Fact]
    public async Task Sends_made_on_the_loop_outside_the_connections_dispatch_are_written_once_before_the_loop_blocks()
    {
        var handler = new PipelineHandler();
        var (loop, server, client, connection) = await StartAsync(handler);
        using (loop)
        using (server)
        using (client)
        {
            long before = loop.Invoke(() => connection.WriteCalls);
            int pendingAfterSends = loop.Invoke(() =>
            {
                for (int i = 0; i < 10; i++)
                {
                    connection.TrySend("from-a-timer"u8).Should().BeTrue();
                }
                return connection.PendingOutputBytes;
            });
            pendingAfterSends.Should().Be(120, "the sends are gathered, not written one by one");
            ReceiveExactly(client, 120); // no further event on the connection: the loop flushed before blocking
            loop.Invoke(() => connection.WriteCalls - before).Should().Be(1);
        }
    }

    [Fact]
    public async Task Flush_writes_gathered_output_at_once()
    {
        var handler = new PipelineHandler();
        var (loop, server, client, connection) = await StartAsync(handler);
        using (loop)
        using (server)
        using (client)
        {
            (long Writes, int Pending) afterFlush = loop.Invoke(() =>
            {
                long before = connection.WriteCalls;
                connection.TrySend("now"u8);
                connection.Flush();
                return (connection.WriteCalls - before, connection.PendingOutputBytes);
            });
            afterFlush.Should().Be((1L, 0));
            ReceiveExactly(client, 3);
        }
    }

    [Fact]
    public async Task Output_gathered_past_the_batch_threshold_is_written_before_the_dispatch_ends()
    {
        var handler = new PipelineHandler();
        var (loop, server, client, connection) = await StartAsync(handler);
        using (loop)
        using (server)
        using (client)
        {
            long writesDuringSends = loop.Invoke(() =>
            {
                long before = connection.WriteCalls;
                var chunk = new byte[16 * 1024];
                for (int i = 0; i < 8; i++) // 128 KiB: twice the threshold
                {
                    connection.TrySend(chunk).Should().BeTrue();
                }
                return connection.WriteCalls - before;
            });
            writesDuringSends.Should().BePositive("a batch does not grow without bound before it is written");
            ReceiveExactly(client, 128 * 1024);
        }
    }

    /// <summary>Floods a peer that does not read; notes any callback that runs inside its own TrySend.</summary>
    private sealed class ReentrancyProbe : IConnectionHandler
    {
        private bool _inSend;

        public List<string> CallbacksInsideTrySend { get; } = [];

        public bool Refused { get; private set; }

        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            var chunk = new byte[64 * 1024];
            for (int i = 0; i < 64 && !Refused; i++) // 4 MiB at most, past the 1 MiB limit
            {
                _inSend = true;
                Refused = !connection.TrySend(chunk);
                _inSend = false;
                if (i % 4 == 3)
                {
                    connection.Flush(); // writes, but runs no callback either
                }
            }
            return data.Length;
        }

        public void OnWritabilityChanged(TcpConnection connection, bool writable) => Note($"OnWritabilityChanged({writable})");

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
        {
            Note("OnClosed");
            Closed.TrySetResult(reason);
        }

        private void Note(string callback)
        {
            if (_inSend)
            {
                CallbacksInsideTrySend.Add(callback);
            }
        }
    }

    [Fact]
    public async Task TrySend_never_runs_a_callback_of_its_connection_inside_the_call()
    {
        var handler = new ReentrancyProbe();
        using var loop = new LoopHarness();
        var options = new TcpConnectionOptions { HighWaterMark = 64 << 10, LowWaterMark = 16 << 10, MaxPendingOutputBytes = 1 << 20 };
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        client.Send("go"u8);
        (await handler.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.OutputLimitExceeded);
        loop.Invoke(() => handler.Refused).Should().BeTrue();
        loop.Invoke(() => handler.CallbacksInsideTrySend.ToArray()).Should().BeEmpty();
    }

    /// <summary>
    /// A loop-thread send of at least the batch threshold on a connection with nothing queued is
    /// written from the caller's memory: the loop's segments hold only what the kernel left, not
    /// a copy of the whole (a large body would otherwise be copied once before its first write).
    /// The header and body arrive whole and in order.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_large_send_on_an_idle_connection_copies_only_what_the_kernel_left(bool twoParts)
    {
        using var loop = new LoopHarness();
        var handler = new PipelineHandler();
        var options = new TcpConnectionOptions { HighWaterMark = 8 << 20, LowWaterMark = 1 << 20, MaxPendingOutputBytes = 16 << 20 };
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        TcpConnection connection = await handler.Connected.Task.WaitAsync(LoopHarness.Timeout);
        byte[] body = new byte[4 << 20]; // more than loopback takes at once while nobody reads
        Random.Shared.NextBytes(body);
        byte[] header = "HEADER"u8.ToArray();

        var (copied, written) = loop.Invoke(() =>
        {
            long rentedBefore = LoopBuffers.For(loop.Reactor).SegmentsRented;
            long sentBefore = connection.BytesSent;
            (twoParts ? connection.TrySend(header, body) : connection.TrySend(body)).Should().BeTrue();
            return (LoopBuffers.For(loop.Reactor).SegmentsRented - rentedBefore, connection.BytesSent - sentBefore);
        });

        long total = body.Length + (twoParts ? header.Length : 0);
        written.Should().BePositive("an idle socket takes part of it at once");
        long wholeCopy = (total + LoopBuffers.SegmentSize - 1) / LoopBuffers.SegmentSize;
        // Loopback takes megabytes in the first sendmsg; only what it left is copied (and may then
        // be written too, in the same call, by the batch threshold). A copy of the whole is 257.
        copied.Should().BeLessThan(wholeCopy / 2, "only what the kernel left after the direct write is copied into segments");
        copied.Should().BeGreaterThanOrEqualTo((total - written + LoopBuffers.SegmentSize - 1) / LoopBuffers.SegmentSize, "what was not written waits in segments");
        byte[] got = await client.ReceiveExactlyAsync((int)total);
        got.AsSpan(0, (int)total - body.Length).SequenceEqual(twoParts ? header : []).Should().BeTrue();
        got.AsSpan((int)total - body.Length).SequenceEqual(body).Should().BeTrue("the bytes the kernel took first and the copied rest join up");
    }
}
