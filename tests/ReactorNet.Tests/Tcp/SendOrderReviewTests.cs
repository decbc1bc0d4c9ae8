using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>Review of the cross-thread send inbox (branch "order").</summary>
public sealed class SendOrderReviewTests
{
    private static async Task<(LoopHarness Loop, TcpServer Server, ScriptedHandler Handler, Socket Client, TcpConnection Connection)> ConnectAsync(ScriptedHandler handler, TcpConnectionOptions? options = null)
    {
        var loop = new LoopHarness();
        var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options ?? TcpConnectionOptions.Default });
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        TcpConnection connection = await handler.ConnectedTask.Task.WaitAsync(LoopHarness.Timeout);
        return (loop, server, handler, client, connection);
    }

    /// <summary>
    /// Runs <paramref name="writeOnLoop"/> in <paramref name="rounds"/> posted loop callbacks, one
    /// after the other, while another thread sends <paramref name="frame"/> as fast as it can; then
    /// shuts the output down and returns everything the client received.
    /// </summary>
    private static async Task<string> RaceAsync(LoopHarness loop, Socket client, TcpConnection connection, byte[] frame, int rounds, Action writeOnLoop)
    {
        Task<byte[]> received = client.ReceiveToEndAsync();
        var loopDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int stop = 0;
        var producer = new Thread(() =>
        {
            for (int i = 0; i < 2_000_000 && Volatile.Read(ref stop) == 0; i++)
            {
                connection.TrySend(frame).Should().BeTrue();
            }
        });
        int round = 0;
        void Round()
        {
            writeOnLoop();
            if (++round == rounds)
            {
                loopDone.TrySetResult();
                return;
            }
            loop.Reactor.Post(Round);
        }
        producer.Start();
        loop.Reactor.Post(Round);
        await loopDone.Task.WaitAsync(LoopHarness.Timeout);
        Volatile.Write(ref stop, 1);
        producer.Join(LoopHarness.Timeout).Should().BeTrue();
        connection.ShutdownOutput();
        return Encoding.ASCII.GetString(await received.WaitAsync(LoopHarness.Timeout));
    }

    /// <summary>
    /// A message the loop writes in two pieces in ONE callback (two GetSpan/Advance pairs, as a
    /// serializer does when it outgrows its first span; or two TrySend calls) used to reach the
    /// wire in one piece: bytes from other threads only landed in posted work, between callbacks.
    /// Now every GetSpan/TrySend on the loop takes the inbox first, so a cross-thread send that
    /// arrives between the two pieces is spliced into the middle of the loop's message.
    /// </summary>
    [Theory]
    [InlineData("writer")]
    [InlineData("trysend")]
    public async Task A_loop_message_written_in_two_pieces_in_one_callback_is_not_split_by_a_concurrent_cross_thread_send(string kind)
    {
        const int Rounds = 300;
        var options = new TcpConnectionOptions { MaxPendingOutputBytes = 256 << 20, HighWaterMark = 128 << 20, LowWaterMark = 64 << 20, CloseTimeout = TimeSpan.FromSeconds(30) };
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler(), options);
        using (loop)
        using (server)
        using (client)
        {
            void Piece(string text)
            {
                byte[] bytes = Encoding.ASCII.GetBytes(text);
                if (kind == "writer")
                {
                    bytes.CopyTo(connection.Output.GetSpan(bytes.Length));
                    connection.Output.Advance(bytes.Length);
                }
                else
                {
                    connection.TrySend(bytes).Should().BeTrue();
                }
            }
            string stream = await RaceAsync(loop, client, connection, "x"u8.ToArray(), Rounds, () =>
            {
                Piece("<head"); // first piece of one message
                Thread.SpinWait(20_000); // the serializer working on the rest (no synchronisation with the producer)
                Piece("tail>"); // second piece of the same message, same callback
            });

            stream.Replace("x", string.Empty).Should().Be(string.Concat(Enumerable.Repeat("<headtail>", Rounds)));
            int split = stream.Split("<head").Skip(1).Count(part => !part.StartsWith("tail>", StringComparison.Ordinal));
            split.Should().Be(0, "a message the loop wrote within one callback must not have another thread's bytes in its middle");
        }
    }

    /// <summary>
    /// The documented use of Output: Utf8JsonWriter serializing one document. A document bigger than
    /// what is left of the current output segment makes the writer Advance and GetMemory again in
    /// the middle of the document: a concurrent cross-thread send lands inside the JSON.
    /// </summary>
    [Fact]
    public async Task A_Utf8JsonWriter_document_is_not_corrupted_by_a_concurrent_cross_thread_send()
    {
        const int Rounds = 100;
        var options = new TcpConnectionOptions { MaxPendingOutputBytes = 256 << 20, HighWaterMark = 128 << 20, LowWaterMark = 64 << 20, CloseTimeout = TimeSpan.FromSeconds(30) };
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler(), options);
        using (loop)
        using (server)
        using (client)
        {
            string stream = await RaceAsync(loop, client, connection, Encoding.ASCII.GetBytes("\n{\"push\":1}\n"), Rounds, () =>
            {
                using (var json = new Utf8JsonWriter(connection.Output))
                {
                    json.WriteStartObject();
                    json.WriteStartArray("items");
                    for (int i = 0; i < 3000; i++)
                    {
                        json.WriteNumberValue(i);
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                "\n"u8.CopyTo(connection.Output.GetSpan(1));
                connection.Output.Advance(1);
            });

            string[] lines = stream.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int documents = 0;
            int broken = 0;
            foreach (string line in lines)
            {
                if (line == "{\"push\":1}")
                {
                    continue;
                }
                documents++;
                try
                {
                    JsonDocument.Parse(line).Dispose();
                }
                catch (JsonException)
                {
                    broken++;
                }
            }
            broken.Should().Be(0, "every document the loop serialized in one callback arrives whole");
            documents.Should().Be(Rounds);
        }
    }

    /// <summary>
    /// Through Output the order point is the callback's first GetSpan: a cross-thread send that
    /// returned between GetSpan and Advance (the loop joined the sender) follows the advanced
    /// bytes, because taking it then would put it inside what the callback is writing.
    /// </summary>
    [Fact]
    public async Task Output_orders_at_the_first_GetSpan_of_a_callback_so_what_it_writes_stays_contiguous()
    {
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler());
        using (loop)
        using (server)
        using (client)
        {
            loop.Invoke(() =>
            {
                Span<byte> span = connection.Output.GetSpan(2);
                var other = new Thread(() => connection.TrySend("AA"u8).Should().BeTrue());
                other.Start();
                other.Join(); // AA's TrySend returned after GetSpan, before BB is advanced
                "BB"u8.CopyTo(span);
                connection.Output.Advance(2);
                Span<byte> more = connection.Output.GetSpan(2); // same callback: AA still waits
                "CC"u8.CopyTo(more);
                connection.Output.Advance(2);
            });
            byte[] got = await client.ReceiveExactlyAsync(6);
            Encoding.ASCII.GetString(got).Should().Be("BBCCAA");
        }
    }

    /// <summary>
    /// Flush on the loop writes what the loop gathered, but not a cross-thread send that happened
    /// before it and sits in the inbox (visible to the loop): "bytes on the wire before it goes on"
    /// does not hold for them.
    /// </summary>
    [Fact]
    public async Task Flush_on_the_loop_writes_a_cross_thread_send_that_happened_before_it()
    {
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler());
        using (loop)
        using (server)
        using (client)
        {
            int pendingAfterFlush = loop.Invoke(() =>
            {
                var other = new Thread(() => connection.TrySend("AA"u8).Should().BeTrue());
                other.Start();
                other.Join();
                connection.Flush();
                return connection.PendingOutputBytes;
            });
            pendingAfterFlush.Should().Be(0, "Flush wrote everything sent before it");
        }
    }

    /// <summary>
    /// Safety under a storm: 8 threads and the loop send framed messages (thread, sequence,
    /// payload derived from both) while Close races them. Every frame arrives whole (a pooled copy
    /// returned twice would be rented by two senders and show up as a corrupt frame), per-thread
    /// order holds, exactly the accepted bytes arrive, and the count returns to zero.
    /// </summary>
    [Fact]
    public async Task Storm_of_cross_thread_and_loop_sends_with_Close_delivers_exactly_the_accepted_frames_intact()
    {
        const int Threads = 8;
        const int PerThread = 20_000;
        const int Payload = 23; // frame: thread (1) + seq (4) + payload
        var options = new TcpConnectionOptions { MaxPendingOutputBytes = 256 << 20, HighWaterMark = 128 << 20, LowWaterMark = 64 << 20, CloseTimeout = TimeSpan.FromSeconds(30) };
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler(), options);
        using (loop)
        using (server)
        using (client)
        {
            Task<byte[]> received = client.ReceiveToEndAsync();
            long accepted = 0;
            using var half = new CountdownEvent(Threads);
            static void Fill(Span<byte> frame, int thread, int seq)
            {
                frame[0] = (byte)thread;
                BitConverter.TryWriteBytes(frame[1..5], seq);
                for (int i = 0; i < Payload; i++)
                {
                    frame[5 + i] = (byte)(thread * 31 + seq * 7 + i);
                }
            }
            var threads = Enumerable.Range(1, Threads).Select(t => new Thread(() =>
            {
                Span<byte> frame = stackalloc byte[5 + Payload];
                for (int seq = 0; seq < PerThread; seq++)
                {
                    Fill(frame, t, seq);
                    bool ok = seq % 2 == 0 ? connection.TrySend(frame) : connection.TrySend(frame[..3], frame[3..]);
                    if (ok)
                    {
                        Interlocked.Add(ref accepted, frame.Length);
                    }
                    if (seq == PerThread / 2)
                    {
                        half.Signal();
                    }
                }
            })).ToList();
            int loopSeq = 0;
            int loopStop = 0;
            void LoopSend()
            {
                if (Volatile.Read(ref loopStop) != 0)
                {
                    return;
                }
                Span<byte> frame = stackalloc byte[5 + Payload];
                for (int i = 0; i < 8; i++)
                {
                    Fill(frame, 0, loopSeq);
                    bool ok;
                    if (loopSeq % 2 == 0)
                    {
                        ok = connection.TrySend(frame);
                    }
                    else
                    {
                        frame.CopyTo(connection.Output.GetSpan(frame.Length));
                        connection.Output.Advance(frame.Length);
                        ok = true; // before Close: never refused (far below the limit)
                    }
                    if (ok)
                    {
                        Interlocked.Add(ref accepted, frame.Length);
                        loopSeq++;
                    }
                }
                loop.Reactor.Post(LoopSend);
            }
            loop.Invoke(() => LoopSend());
            threads.ForEach(t => t.Start());
            half.Wait(LoopHarness.Timeout).Should().BeTrue();
            loop.Invoke(() => Volatile.Write(ref loopStop, 1)); // the loop's own sends end before Close, so "accepted" is exact
            connection.Close();
            threads.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());
            byte[] stream = await received.WaitAsync(LoopHarness.Timeout);
            client.Shutdown(SocketShutdown.Send);
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);

            stream.LongLength.Should().Be(Interlocked.Read(ref accepted));
            var next = new int[Threads + 1];
            int frames = 0;
            Span<byte> expected = stackalloc byte[5 + Payload];
            for (int at = 0; at + 5 + Payload <= stream.Length; at += 5 + Payload)
            {
                int t = stream[at];
                int seq = BitConverter.ToInt32(stream, at + 1);
                t.Should().BeInRange(0, Threads);
                Fill(expected, t, seq);
                stream.AsSpan(at, 5 + Payload).SequenceEqual(expected).Should().BeTrue($"frame {frames} is intact");
                if (t != 0)
                {
                    seq.Should().BeGreaterThanOrEqualTo(next[t], "one thread's frames keep their order");
                    next[t] = seq + 1;
                }
                frames++;
            }
            connection.PendingOutputBytes.Should().Be(0);
        }
    }

    /// <summary>
    /// Dispose racing cross-thread sends: the count returns to zero, nothing throws, and no pooled
    /// copy is corrupted (frames that arrive are intact).
    /// </summary>
    [Fact]
    public async Task Dispose_racing_cross_thread_sends_leaves_nothing_counted()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler(), new TcpConnectionOptions { MaxPendingOutputBytes = 256 << 20, HighWaterMark = 128 << 20, LowWaterMark = 64 << 20 });
            using (client)
            {
                using var started = new CountdownEvent(4);
                int afterDisposeTrue = 0;
                int disposed = 0;
                var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
                {
                    byte[] frame = new byte[100];
                    for (int i = 0; i < 20_000; i++)
                    {
                        if (i == 100)
                        {
                            started.Signal();
                        }
                        bool wasDisposed = Volatile.Read(ref disposed) != 0;
                        if (connection.TrySend(frame) && wasDisposed)
                        {
                            Interlocked.Increment(ref afterDisposeTrue);
                        }
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                started.Wait(LoopHarness.Timeout).Should().BeTrue();
                loop.Dispose();
                Volatile.Write(ref disposed, 1);
                server.Dispose();
                threads.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());
                afterDisposeTrue.Should().Be(0, "after Dispose returned the connection is closed: sends are refused");
                connection.IsClosed.Should().BeTrue();
                connection.PendingOutputBytes.Should().Be(0, $"attempt {attempt}: nothing stays counted");
            }
        }
    }

    /// <summary>
    /// Output a loop callback gathers outside the connection's dispatch is written right before the
    /// loop blocks, and that write completes the batch with callbacks (here OnWritabilityChanged).
    /// A send from such a callback is a new callback's first bytes: it must take the inbox first.
    /// It used to count as the callback that had gathered the output (the loop's callback sequence
    /// does not move before it blocks), so a cross-thread send the loop had already waited for
    /// reached the wire after a send that it happened before.
    /// </summary>
    [Fact]
    public async Task A_send_from_a_callback_run_as_the_loop_flushes_before_blocking_takes_the_cross_thread_sends_before_it()
    {
        var sendOnWritable = 0;
        var handler = new ScriptedHandler
        {
            WritabilityChanged = (c, writable) =>
            {
                if (writable && Interlocked.Exchange(ref sendOnWritable, 0) == 1)
                {
                    c.TrySend("Y"u8).Should().BeTrue();
                }
            },
        };
        var options = new TcpConnectionOptions { HighWaterMark = 1024, LowWaterMark = 512 };
        var (loop, server, _, client, connection) = await ConnectAsync(handler, options);
        using (loop)
        using (server)
        using (client)
        {
            byte[] large = new byte[4096];
            Array.Fill(large, (byte)'L');
            var crossThreadSent = new ManualResetEventSlim();
            var posted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Reactor.Post(() =>
            {
                // Outside the connection's dispatch: gathered, and written as the loop is about to
                // block. Past the high-water mark, so that write reports "not writable, writable".
                Volatile.Write(ref sendOnWritable, 1);
                connection.TrySend(large).Should().BeTrue();
                // X is sent, and its TrySend has returned, before this callback ends: before Y.
                var other = new Thread(() =>
                {
                    connection.TrySend("X"u8).Should().BeTrue();
                    crossThreadSent.Set();
                });
                other.Start();
                crossThreadSent.Wait(LoopHarness.Timeout).Should().BeTrue();
                posted.TrySetResult();
            });
            await posted.Task.WaitAsync(LoopHarness.Timeout);
            byte[] received = await client.ReceiveExactlyAsync(large.Length + 2).WaitAsync(LoopHarness.Timeout);

            Encoding.ASCII.GetString(received, large.Length, 2).Should().Be("XY", "X's TrySend returned before the callback that sent Y could run");
        }
    }
}
