using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>Regressions found by an adversarial review of consumed input and batched output: each test pins one bug.</summary>
public sealed class TransportReviewRegressionTests
{
    private sealed class Handler : IConnectionHandler
    {
        public Func<TcpConnection, ReadOnlySpan<byte>, int>? Data { get; init; }

        public Action<TcpConnection, bool>? Writability { get; init; }

        public Action<TcpConnection>? InputShutdown { get; init; }

        public TaskCompletionSource<TcpConnection> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConnected(TcpConnection connection) => Connected.TrySetResult(connection);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data) => Data!(connection, data);

        public void OnWritabilityChanged(TcpConnection connection, bool writable) => Writability?.Invoke(connection, writable);

        public void OnInputShutdown(TcpConnection connection) => InputShutdown?.Invoke(connection);

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);
    }

    private static async Task<(LoopHarness Loop, TcpServer Server, Socket Client, TcpConnection Connection)> StartAsync(Handler handler, TcpConnectionOptions? options = null, int? clientReceiveBuffer = null)
    {
        var loop = new LoopHarness();
        var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options ?? TcpConnectionOptions.Default });
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (clientReceiveBuffer is int size)
        {
            client.ReceiveBufferSize = size; // before connecting: the window is fixed at the handshake
        }
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        TcpConnection connection = await handler.Connected.Task.WaitAsync(LoopHarness.Timeout);
        return (loop, server, client, connection);
    }

    public static TheoryData<string> LoopSendKinds => new() { "span", "header+body", "sequence", "writer" };

    /// <summary>A loop-thread send of <paramref name="text"/> through each of the four ways to send.</summary>
    private static void SendOnLoop(TcpConnection connection, string kind, string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        switch (kind)
        {
            case "span":
                connection.TrySend(bytes).Should().BeTrue();
                break;
            case "header+body":
                connection.TrySend(bytes.AsSpan(0, 1), bytes.AsSpan(1)).Should().BeTrue();
                break;
            case "sequence":
                var first = new Segment(bytes.AsMemory(0, 1));
                var last = first.Append(bytes.AsMemory(1));
                connection.TrySend(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length)).Should().BeTrue();
                break;
            default:
                Span<byte> span = connection.Output.GetSpan(bytes.Length);
                bytes.CopyTo(span);
                connection.Output.Advance(bytes.Length);
                break;
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    /// <summary>
    /// A TrySend from another thread that happened before a loop-thread send (the loop thread
    /// joined the sender) reaches the wire first. Before the inbox, the other thread's bytes were
    /// posted as work and landed after the dispatch had gathered and written the loop's own.
    /// </summary>
    [Theory]
    [MemberData(nameof(LoopSendKinds))]
    public async Task Cross_thread_send_that_happened_before_a_send_in_OnData_reaches_the_wire_first(string kind)
    {
        var handler = new Handler
        {
            Data = (c, data) =>
            {
                var other = new Thread(() => c.TrySend("AA"u8).Should().BeTrue());
                other.Start();
                other.Join(); // A's TrySend returned before B's starts
                SendOnLoop(c, kind, "BB");
                return data.Length;
            },
        };
        var (loop, server, client, _) = await StartAsync(handler);
        using (loop)
        using (server)
        using (client)
        {
            client.Send("x"u8.ToArray());
            byte[] got = await client.ReceiveExactlyAsync(4);
            Encoding.ASCII.GetString(got).Should().Be("AABB", "bytes accepted first, in an order the application synchronised, go first");
        }
    }

    /// <summary>
    /// The same order for a send made elsewhere on the loop (posted work, a timer): the loop
    /// callback waits for a signal the other thread gives after its TrySend returned.
    /// </summary>
    [Theory]
    [MemberData(nameof(LoopSendKinds))]
    public async Task Cross_thread_send_that_happened_before_a_send_in_posted_work_reaches_the_wire_first(string kind)
    {
        var (loop, server, client, connection) = await StartAsync(new Handler { Data = (_, data) => data.Length });
        using (loop)
        using (server)
        using (client)
        {
            using var sent = new ManualResetEventSlim();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Reactor.Post(() =>
            {
                sent.Wait(LoopHarness.Timeout).Should().BeTrue();
                SendOnLoop(connection, kind, "BB");
                done.TrySetResult();
            });
            connection.TrySend("AA"u8).Should().BeTrue(); // queued behind the posted callback that is running
            sent.Set();
            await done.Task.WaitAsync(LoopHarness.Timeout);
            byte[] got = await client.ReceiveExactlyAsync(4);
            Encoding.ASCII.GetString(got).Should().Be("AABB");
        }
    }

    /// <summary>
    /// Many rounds of a cross-thread producer racing a loop-thread producer that only sends what it
    /// saw published: every loop-thread marker must come after the cross-thread message it names.
    /// Sends from other threads coalesce into one posted drain, so this also checks nothing queued
    /// is stranded (every message arrives) and the count returns to zero.
    /// </summary>
    [Fact]
    public async Task Loop_thread_markers_never_overtake_the_cross_thread_messages_they_saw()
    {
        const int Messages = 20_000;
        var (loop, server, client, connection) = await StartAsync(new Handler { Data = (_, data) => data.Length });
        using (loop)
        using (server)
        using (client)
        {
            int published = -1; // the last message whose TrySend returned
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int markers = 0;
            int marked = -1;
            void Mark()
            {
                int seen = Volatile.Read(ref published);
                if (seen > marked) // at most one marker per message: bounded output
                {
                    marked = seen;
                    Span<byte> marker = stackalloc byte[5];
                    marker[0] = (byte)'M';
                    BitConverter.TryWriteBytes(marker[1..], seen);
                    connection.TrySend(marker).Should().BeTrue();
                    markers++;
                }
                if (seen == Messages - 1)
                {
                    finished.TrySetResult();
                    return;
                }
                loop.Reactor.Post(Mark); // bounded: stops with the last message
            }
            loop.Reactor.Post(Mark);
            var producer = new Thread(() =>
            {
                Span<byte> message = stackalloc byte[5];
                message[0] = (byte)'C';
                for (int i = 0; i < Messages; i++)
                {
                    BitConverter.TryWriteBytes(message[1..], i);
                    connection.TrySend(message).Should().BeTrue();
                    Volatile.Write(ref published, i);
                }
            });
            Task<byte[]> received = client.ReceiveToEndAsync();
            producer.Start();
            producer.Join(LoopHarness.Timeout).Should().BeTrue();
            await finished.Task.WaitAsync(LoopHarness.Timeout);
            connection.ShutdownOutput(); // FIN once everything accepted is written
            byte[] stream = await received.WaitAsync(LoopHarness.Timeout);

            int nextMessage = 0;
            int checkedMarkers = 0;
            for (int at = 0; at + 5 <= stream.Length; at += 5)
            {
                int value = BitConverter.ToInt32(stream, at + 1);
                if (stream[at] == (byte)'C')
                {
                    value.Should().Be(nextMessage, "messages from one thread keep their order");
                    nextMessage++;
                }
                else
                {
                    stream[at].Should().Be((byte)'M');
                    value.Should().BeLessThan(nextMessage, "a marker names a message that was accepted before it, so it arrived before it");
                    checkedMarkers++;
                }
            }
            nextMessage.Should().Be(Messages, "every accepted message arrives");
            checkedMarkers.Should().Be(loop.Invoke(() => markers));
            loop.Invoke(() => connection.PendingOutputBytes).Should().Be(0);
        }
    }

    /// <summary>
    /// A producer that stops when IsWritable turns false and resumes on OnWritabilityChanged(true)
    /// (the documented pattern) stalls: one loop-thread send of at least HighWaterMark sets
    /// IsWritable false at once, the batch is written whole at the end of the round, the flag is
    /// cleared silently (the application was never told false), so no "true" ever comes.
    /// </summary>
    [Fact]
    public async Task Producer_that_saw_IsWritable_false_is_told_when_it_may_produce_again()
    {
        const int Chunk = 32 * 1024;
        const int Chunks = 8;
        int sent = 0;
        void Pump(TcpConnection c)
        {
            while (sent < Chunks && c.IsWritable)
            {
                c.TrySend(new byte[Chunk]).Should().BeTrue();
                sent++;
            }
        }
        var handler = new Handler
        {
            Data = (c, data) =>
            {
                Pump(c);
                return data.Length;
            },
            Writability = (c, writable) =>
            {
                if (writable)
                {
                    Pump(c);
                }
            },
        };
        var options = new TcpConnectionOptions { HighWaterMark = 16 * 1024, LowWaterMark = 4 * 1024, MaxPendingOutputBytes = 1 << 20 };
        var (loop, server, client, _) = await StartAsync(handler, options);
        using (loop)
        using (server)
        using (client)
        {
            client.Send("go"u8.ToArray());
            // Every chunk must arrive: the producer is either writable or will be told so.
            await client.ReceiveExactlyAsync(Chunk * Chunks).WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>
    /// Abort() inside OnData while the presented span is the connection's pooled input buffer
    /// returns that array to ArrayPool.Shared while the handler is still running with it: the
    /// next Rent on this thread hands the same memory to someone else.
    /// </summary>
    [Fact]
    public async Task Closing_inside_OnData_keeps_the_presented_span_valid_until_OnData_returns()
    {
        var result = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstKept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        var handler = new Handler
        {
            Data = (c, data) =>
            {
                if (++calls == 1)
                {
                    firstKept.TrySetResult();
                    return 0; // keep "hello": the next call presents the pooled _input buffer
                }
                byte first = data[0];
                c.Abort(); // OnClosed runs inside; CloseNow -> ReleaseInput returns _input
                byte[] someoneElse = ArrayPool<byte>.Shared.Rent(4096);
                someoneElse.AsSpan().Fill(0xEE);
                result.TrySetResult(data[0] == first); // false: our span now aliases another owner's array
                ArrayPool<byte>.Shared.Return(someoneElse);
                return 0;
            },
        };
        var (loop, server, client, _) = await StartAsync(handler);
        using (loop)
        using (server)
        using (client)
        {
            client.Send("hello"u8.ToArray());
            await firstKept.Task.WaitAsync(LoopHarness.Timeout); // "hello" is buffered before "world" is sent
            client.Send("world"u8.ToArray());
            (await result.Task.WaitAsync(LoopHarness.Timeout)).Should().BeTrue("data must stay valid for the whole OnData call");
        }
    }

    /// <summary>
    /// A handler that honours backpressure by not consuming frames while IsWritable is false
    /// (README: the rest is presented again once reading resumes). If the gathered batch is
    /// written whole at the end of the dispatch, reading never "paused" in the told sense, so
    /// ScheduleBufferedInput never runs and the request waits for bytes the peer will not send.
    /// </summary>
    [Fact]
    public async Task Frames_left_while_not_writable_are_presented_again_when_writable()
    {
        const int Response = 32 * 1024;
        var handler = new Handler
        {
            Data = (c, data) =>
            {
                int consumed = 0;
                while (consumed < data.Length && c.IsWritable)
                {
                    c.TrySend(new byte[Response]); // one request = one byte, one 32 KiB answer
                    consumed++;
                }
                return consumed;
            },
        };
        var options = new TcpConnectionOptions { HighWaterMark = 16 * 1024, LowWaterMark = 4 * 1024, MaxPendingOutputBytes = 1 << 20 };
        var (loop, server, client, _) = await StartAsync(handler, options);
        using (loop)
        using (server)
        using (client)
        {
            client.Send("12"u8.ToArray()); // two pipelined requests in one segment
            await client.ReceiveExactlyAsync(2 * Response).WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>
    /// The same with reading left on at the high-water mark (the application owns backpressure)
    /// and a peer that half-closes right after its requests: the FIN is read while a whole request
    /// waits unconsumed, and that request must still be presented once the connection is writable
    /// again. It was not: redelivery was skipped once the peer had finished, so the request was
    /// never answered.
    /// </summary>
    [Fact]
    public async Task Frames_left_while_not_writable_are_presented_again_after_the_peer_half_closed()
    {
        const int Response = 16 << 20; // far more than the kernel holds for a client with a 4 KiB window that does not read
        var inputShutdown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new Handler
        {
            Data = (c, data) =>
            {
                int consumed = 0;
                while (consumed < data.Length && c.IsWritable)
                {
                    c.TrySend(new byte[Response]); // one request = one byte, one large answer
                    consumed++;
                }
                return consumed;
            },
            InputShutdown = _ => inputShutdown.TrySetResult(), // no Close: the answers are still owed
        };
        var options = new TcpConnectionOptions { HighWaterMark = 16 * 1024, LowWaterMark = 4 * 1024, MaxPendingOutputBytes = 64 << 20, PauseReadingAtHighWaterMark = false };
        var (loop, server, client, connection) = await StartAsync(handler, options, clientReceiveBuffer: 4096);
        using (loop)
        using (server)
        using (client)
        {
            client.Send("1"u8.ToArray());
            await WaitUntilAsync(loop, () => !connection.IsWritable); // the first answer waits in the output
            client.Send("2"u8.ToArray()); // read at once (reading is not paused), left unconsumed
            client.Shutdown(SocketShutdown.Send);
            await inputShutdown.Task.WaitAsync(LoopHarness.Timeout); // the FIN is read while "2" waits
            loop.Invoke(() => connection.BufferedInputBytes).Should().Be(1);
            await client.ReceiveExactlyAsync(2 * Response).WaitAsync(LoopHarness.Timeout);
        }
    }

    private static async Task WaitUntilAsync(LoopHarness loop, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + LoopHarness.Timeout;
        while (!loop.Invoke(condition))
        {
            DateTime.UtcNow.Should().BeBefore(deadline);
            await Task.Yield();
        }
    }

    /// <summary>
    /// PauseReadingAtHighWaterMark must stop reading as soon as a send inside OnData crosses the
    /// high-water mark, in the same dispatch: 192 KiB wait in the socket, the first 64 KiB read
    /// gets one request answered with more than the kernel takes, so IsWritable stays false. Had the
    /// transport gone on reading (up to four reads per event), the unconsumed input would pass
    /// MaxInputBufferBytes and the connection would be reset for input the handler never asked for.
    /// </summary>
    [Fact]
    public async Task Reading_stops_in_the_same_dispatch_once_the_high_water_mark_is_crossed()
    {
        byte[] response = new byte[16 << 20]; // more than loopback buffers hold while the client does not read
        var handler = new Handler
        {
            Data = (c, data) =>
            {
                int consumed = 0;
                while (consumed < data.Length && c.IsWritable)
                {
                    c.TrySend(response);
                    consumed++;
                }
                return consumed;
            },
        };
        var options = new TcpConnectionOptions { HighWaterMark = 16 * 1024, LowWaterMark = 4 * 1024, MaxPendingOutputBytes = 32 << 20, MaxInputBufferBytes = 100 * 1024 };
        var (loop, server, client, connection) = await StartAsync(handler, options);
        using (loop)
        using (server)
        using (client)
        {
            using var gate = new ManualResetEventSlim();
            loop.Reactor.Post(() => gate.Wait(LoopHarness.Timeout)); // the loop sees all of it in one event
            client.Send(new byte[192 * 1024]);
            gate.Set();
            // Response bytes reach the wire only when the dispatch that read the request ends; a
            // reset inside that dispatch discards them instead.
            var first = new byte[1];
            try
            {
                await client.ReceiveAsync(first).WaitAsync(LoopHarness.Timeout);
            }
            catch (SocketException)
            {
                // reset: the assertion below says why
            }
            var probe = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Reactor.Post(() => probe.TrySetResult());
            await probe.Task.WaitAsync(LoopHarness.Timeout);
            handler.Closed.Task.IsCompleted.Should().BeFalse("reading should have paused after the first read crossed the high-water mark");
            connection.BufferedInputBytes.Should().BeLessThan(64 * 1024, "only the first read was taken");
        }
    }
}
