using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// Serializing straight into a connection's output (<see cref="TcpConnection.Output"/>, an
/// <see cref="IBufferWriter{T}"/>) and multi-part sends (issue #13).
/// </summary>
public sealed class OutputWriterTests
{
    private static async Task<(LoopHarness Loop, TcpServer Server, Socket Client, TcpConnection Connection)> StartAsync(ScriptedHandler handler, TcpConnectionOptions? options = null)
    {
        var loop = new LoopHarness();
        var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options ?? TcpConnectionOptions.Default });
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = (int)LoopHarness.Timeout.TotalMilliseconds };
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        TcpConnection connection = await handler.ConnectedTask.Task.WaitAsync(LoopHarness.Timeout);
        return (loop, server, client, connection);
    }

    private static byte[] ReceiveExactly(Socket client, int count)
    {
        var buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = client.Receive(buffer, got, count - got, SocketFlags.None);
            n.Should().BePositive();
            got += n;
        }
        return buffer;
    }

    [Fact]
    public async Task Bytes_written_through_Output_round_trip_in_order_with_TrySend_across_segment_boundaries()
    {
        var (loop, server, client, connection) = await StartAsync(new ScriptedHandler());
        using (loop)
        using (server)
        using (client)
        {
            var expected = new MemoryStream();
            var random = new Random(1313);
            loop.Invoke(() =>
            {
                for (int i = 0; i < 400; i++) // about 100 KiB of mixed writes: several 16 KiB segments and batch flushes
                {
                    int size = random.Next(1, 600);
                    byte fill = (byte)i;
                    if (i % 3 == 0)
                    {
                        var bytes = Enumerable.Repeat(fill, size).ToArray();
                        connection.TrySend(bytes).Should().BeTrue();
                        expected.Write(bytes);
                    }
                    else
                    {
                        Span<byte> span = connection.Output.GetSpan(size);
                        span.Length.Should().BeGreaterThanOrEqualTo(size);
                        span[..size].Fill(fill);
                        connection.Output.Advance(size);
                        expected.Write(Enumerable.Repeat(fill, size).ToArray());
                    }
                }
            });
            ReceiveExactly(client, (int)expected.Length).Should().Equal(expected.ToArray());
        }
    }

    [Fact]
    public async Task Utf8Formatter_and_Utf8JsonWriter_write_into_Output_directly()
    {
        var (loop, server, client, connection) = await StartAsync(new ScriptedHandler());
        using (loop)
        using (server)
        using (client)
        {
            int pending = loop.Invoke(() =>
            {
                IBufferWriter<byte> output = connection.Output;
                Utf8Formatter.TryFormat(1234567, output.GetSpan(16), out int written).Should().BeTrue();
                output.Advance(written);
                using (var json = new Utf8JsonWriter(output))
                {
                    json.WriteStartObject();
                    json.WriteString("name", "reactor");
                    json.WriteEndObject();
                }
                return connection.PendingOutputBytes;
            });
            const string Expected = "1234567{\"name\":\"reactor\"}";
            pending.Should().Be(Expected.Length, "Advance counts the bytes at once");
            Encoding.UTF8.GetString(ReceiveExactly(client, Expected.Length)).Should().Be(Expected);
        }
    }

    [Fact]
    public async Task A_size_hint_larger_than_a_segment_is_honoured()
    {
        var (loop, server, client, connection) = await StartAsync(new ScriptedHandler());
        using (loop)
        using (server)
        using (client)
        {
            loop.Invoke(() =>
            {
                connection.TrySend("x"u8);
                Span<byte> span = connection.Output.GetSpan(100_000);
                span.Length.Should().BeGreaterThanOrEqualTo(100_000);
                span[..100_000].Fill(9);
                connection.Output.Advance(100_000);
            });
            byte[] got = ReceiveExactly(client, 100_001);
            got[0].Should().Be((byte)'x');
            got.Skip(1).Should().AllBeEquivalentTo((byte)9);
        }
    }

    [Fact]
    public async Task Output_is_loop_thread_only_and_Advance_checks_its_count()
    {
        var (loop, server, client, connection) = await StartAsync(new ScriptedHandler());
        using (loop)
        using (server)
        using (client)
        {
            FluentActions.Invoking(() => connection.Output).Should().Throw<InvalidOperationException>();
            loop.Invoke(() =>
            {
                IBufferWriter<byte> output = connection.Output;
                FluentActions.Invoking(() => output.Advance(1)).Should().Throw<InvalidOperationException>("nothing was handed out");
                int length = output.GetSpan(8).Length;
                FluentActions.Invoking(() => output.Advance(length + 1)).Should().Throw<ArgumentOutOfRangeException>();
                FluentActions.Invoking(() => output.Advance(-1)).Should().Throw<ArgumentOutOfRangeException>();
                output.Advance(0);
            });
            loop.Invoke(() => connection.PendingOutputBytes).Should().Be(0);
        }
    }

    [Fact]
    public async Task Advance_counts_against_MaxPendingOutputBytes()
    {
        var handler = new ScriptedHandler();
        var (loop, server, client, connection) = await StartAsync(handler, new TcpConnectionOptions { HighWaterMark = 1024, LowWaterMark = 512, MaxPendingOutputBytes = 4096 });
        using (loop)
        using (server)
        using (client)
        {
            loop.Invoke(() =>
            {
                connection.Output.GetSpan(8192);
                connection.Output.Advance(8192); // past the limit: dropped, and the connection is reset
                connection.PendingOutputBytes.Should().Be(0);
            });
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.OutputLimitExceeded);
        }
    }

    [Fact]
    public async Task A_header_and_a_body_or_a_sequence_go_out_together_in_one_write()
    {
        var (loop, server, client, connection) = await StartAsync(new ScriptedHandler());
        using (loop)
        using (server)
        using (client)
        {
            var first = new Segment("seq-"u8.ToArray());
            Segment last = first.Append("uence"u8.ToArray());
            var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
            long writes = loop.Invoke(() =>
            {
                long before = connection.WriteCalls;
                connection.TrySend("head:"u8, "body;"u8).Should().BeTrue();
                connection.TrySend(sequence).Should().BeTrue();
                connection.Flush();
                return connection.WriteCalls - before;
            });
            writes.Should().Be(1);
            Encoding.ASCII.GetString(ReceiveExactly(client, 19)).Should().Be("head:body;seq-uence");

            // From another thread: counted at once, delivered in one piece.
            connection.TrySend("other:"u8, "thread"u8).Should().BeTrue();
            connection.TrySend(sequence).Should().BeTrue();
            Encoding.ASCII.GetString(ReceiveExactly(client, 21)).Should().Be("other:threadseq-uence");
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
