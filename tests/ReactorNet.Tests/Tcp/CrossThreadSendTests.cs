using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// Send from threads other than the loop: what it returns is the truth (the bytes are counted at
/// once and delivered, or refused), and backpressure sees them before the loop does.
/// </summary>
public sealed class CrossThreadSendTests
{
    private const int Threads = 16;
    private const int SendsPerThread = 4_000;
    private const int Chunk = 64;

    private static async Task<(LoopHarness Loop, TcpServer Server, ScriptedHandler Handler, Socket Client, TcpConnection Connection)> ConnectAsync(ScriptedHandler handler, TcpConnectionOptions? options = null)
    {
        var loop = new LoopHarness();
        var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options ?? TcpConnectionOptions.Default });
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        TcpConnection connection = await handler.ConnectedTask.Task.WaitAsync(LoopHarness.Timeout);
        return (loop, server, handler, client, connection);
    }

    /// <summary>
    /// 16 threads send while the test thread calls Close or Abort once a quarter of
    /// <see cref="SendsPerThread"/> are done; each thread goes on until it made 200 attempts
    /// that started after the call returned.
    /// </summary>
    private static (long Accepted, int TrueAfterRequest, int Refused) SendFromManyThreadsAndStop(TcpConnection connection, Action stop)
    {
        const int AttemptsAfterStop = 200;
        long accepted = 0;
        int attempts = 0;
        int trueAfterRequest = 0;
        int refused = 0;
        int threadsShort = 0;
        using var quarter = new ManualResetEventSlim();
        using var stopped = new ManualResetEventSlim();
        var chunk = new byte[Chunk];
        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            int afterStopAttempts = 0;
            for (int i = 0; afterStopAttempts < AttemptsAfterStop; i++)
            {
                if (i == SendsPerThread && !stopped.Wait(LoopHarness.Timeout))
                {
                    break; // bounded: do not pile up more than SendsPerThread before the stop
                }
                bool afterStop = stopped.IsSet;
                afterStopAttempts += afterStop ? 1 : 0;
                if (connection.TrySend(chunk))
                {
                    Interlocked.Add(ref accepted, Chunk);
                    if (afterStop)
                    {
                        Interlocked.Increment(ref trueAfterRequest);
                    }
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
                if (Interlocked.Increment(ref attempts) == Threads * SendsPerThread / 4)
                {
                    quarter.Set();
                }
            }
            if (afterStopAttempts < AttemptsAfterStop)
            {
                Interlocked.Increment(ref threadsShort);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        quarter.Wait(LoopHarness.Timeout).Should().BeTrue();
        stop();
        stopped.Set();
        threads.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());
        threadsShort.Should().Be(0, "every thread sent after the call returned");
        return (Interlocked.Read(ref accepted), trueAfterRequest, refused);
    }

    [Fact]
    public async Task Close_racing_with_sends_from_16_threads_delivers_exactly_the_bytes_Send_accepted()
    {
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler(), new TcpConnectionOptions { MaxPendingOutputBytes = 256 << 20, CloseTimeout = TimeSpan.FromSeconds(60) });
        using (loop)
        using (server)
        using (client)
        {
            Task<byte[]> received = client.ReceiveToEndAsync();

            var (accepted, trueAfterClose, refused) = SendFromManyThreadsAndStop(connection, connection.Close);

            (await received).LongLength.Should().Be(accepted, "every byte for which Send returned true arrives, and no other");
            trueAfterClose.Should().Be(0, "Send refuses once Close() has returned");
            refused.Should().BeGreaterThan(0);
            client.Shutdown(SocketShutdown.Send);
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
            connection.PendingOutputBytes.Should().Be(0);
        }
    }

    [Fact]
    public async Task After_Abort_returned_Send_never_returns_true()
    {
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler(), new TcpConnectionOptions { MaxPendingOutputBytes = 256 << 20, CloseTimeout = TimeSpan.FromSeconds(60) });
        using (loop)
        using (server)
        using (client)
        {
            var (_, trueAfterAbort, refused) = SendFromManyThreadsAndStop(connection, connection.Abort);

            trueAfterAbort.Should().Be(0);
            refused.Should().BeGreaterThan(0);
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Aborted);
            connection.TrySend(new byte[1]).Should().BeFalse();
            loop.Invoke(() => 0); // every posted send has landed
            connection.PendingOutputBytes.Should().Be(0, "discarded output is no longer counted");
        }
    }

    [Fact]
    public async Task Bytes_sent_from_another_thread_count_toward_the_hard_limit_at_once()
    {
        var options = new TcpConnectionOptions { HighWaterMark = 256 << 10, LowWaterMark = 64 << 10, MaxPendingOutputBytes = 1 << 20 };
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler(), options);
        using (loop)
        using (server)
        using (client)
        {
            using var release = new ManualResetEventSlim();
            loop.Reactor.Post(() => release.Wait(LoopHarness.Timeout)); // the loop is busy: nothing reaches the kernel meanwhile
            var chunk = new byte[16 * 1024];
            long accepted = 0;
            for (int i = 0; i < 4096 && connection.TrySend(chunk); i++) // at most 64 MiB
            {
                accepted += chunk.Length;
                connection.PendingOutputBytes.Should().Be((int)accepted, "counted on the calling thread, at once");
            }
            connection.IsWritable.Should().BeFalse();
            release.Set();

            accepted.Should().BeInRange(options.MaxPendingOutputBytes - chunk.Length + 1, options.MaxPendingOutputBytes, "the limit is checked before the bytes are taken");
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.OutputLimitExceeded);
            connection.TrySend(chunk).Should().BeFalse();
        }
    }

    [Fact]
    public async Task A_producer_on_another_thread_that_respects_IsWritable_never_hits_the_hard_limit()
    {
        const long Total = 8L << 20;
        var options = new TcpConnectionOptions { HighWaterMark = 256 << 10, LowWaterMark = 64 << 10, MaxPendingOutputBytes = 1 << 20, CloseTimeout = TimeSpan.FromSeconds(60) };
        using var drained = new SemaphoreSlim(0);
        var (loop, server, handler, client, connection) = await ConnectAsync(new ScriptedHandler { WritabilityChanged = (_, writable) => { if (writable) drained.Release(); } }, options);
        using (loop)
        using (server)
        using (client)
        {
            Task<byte[]> received = client.ReceiveToEndAsync();
            using var release = new ManualResetEventSlim();
            loop.Reactor.Post(() => release.Wait(LoopHarness.Timeout)); // a busy loop, as under load
            var chunk = new byte[16 * 1024];
            long sent = 0;
            var deadline = DateTime.UtcNow + LoopHarness.Timeout;
            while (sent < Total && DateTime.UtcNow < deadline)
            {
                if (!connection.IsWritable)
                {
                    release.Set(); // let the loop drain, and wait until it says so
                    drained.Wait(TimeSpan.FromMilliseconds(100));
                    continue;
                }
                connection.TrySend(chunk).Should().BeTrue("the producer only sends while writable, far below the limit");
                sent += chunk.Length;
            }
            release.Set();
            sent.Should().Be(Total);
            connection.Close();

            (await received).LongLength.Should().Be(Total);
            client.Shutdown(SocketShutdown.Send);
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
        }
    }
}
