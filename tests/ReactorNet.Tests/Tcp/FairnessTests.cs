using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// PITFALLS 10: one connection that always has input must not starve the others on its loop. The
/// transport reads at most a few buffers per event and relies on level-triggered epoll to come
/// back for the rest, so the other connections' events are served in between and nothing of the
/// flood is lost. The sink checks every byte, so it reads slower than the flooder writes and the
/// flooding socket is never drained: a transport that read to EAGAIN (<c>drain: true</c> for every
/// event) would never leave that connection, and this test fails (the flood hits its 30 s cap
/// before the other connection's first round trip).
/// </summary>
public sealed class FairnessTests
{
    private const int RoundTrips = 50;
    private const int Chunk = 64 * 1024;

    [Fact]
    public async Task A_flooding_connection_does_not_starve_another_on_the_same_loop_and_loses_nothing()
    {
        using var loop = new LoopHarness();
        var sink = new SinkHandler();
        using var sinkServer = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => sink);
        var echo = new EchoHandler();
        using var echoServer = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => echo);

        using var flooder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await flooder.ConnectAsync(sinkServer.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        using var prober = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await prober.ConnectAsync(echoServer.LocalEndPoint).WaitAsync(LoopHarness.Timeout);

        // The flood runs until the probe is done, bounded in bytes and time so the test always ends.
        using var stop = new CancellationTokenSource();
        long sent = 0;
        bool capped = false;
        var flood = Task.Factory.StartNew(() =>
        {
            // Byte n of the stream is n % 251: the sink checks every byte, which also makes it slower
            // than the sender, so the flooding connection's socket never runs dry.
            byte[] pattern = Enumerable.Range(0, Chunk + 251).Select(i => (byte)(i % 251)).ToArray();
            var bound = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                if (sent >= 16L << 30 || bound.Elapsed > TimeSpan.FromSeconds(30))
                {
                    capped = true;
                    return;
                }
                sent += flooder.Send(pattern, (int)(sent % 251), Chunk, SocketFlags.None);
            }
        }, TaskCreationOptions.LongRunning);

        await sink.Received(1 << 20).WaitAsync(LoopHarness.Timeout); // the flood is under way
        long sunkBefore = sink.Total;
        var probe = new byte[1];
        for (int i = 0; i < RoundTrips; i++)
        {
            probe[0] = (byte)i;
            prober.Send(probe);
            (await prober.ReceiveExactlyAsync(1)).Should().Equal([(byte)i], $"round trip {i} of the other connection completes while the flood goes on");
        }
        long sunkDuring = sink.Total - sunkBefore;
        flood.IsCompleted.Should().BeFalse("the flood was still running when the other connection had made all its round trips");
        stop.Cancel();
        await flood.WaitAsync(LoopHarness.Timeout);
        capped.Should().BeFalse();
        sunkDuring.Should().BePositive("the flooding connection was served too, between the probes");

        flooder.Shutdown(SocketShutdown.Send);
        long total = await sink.Finished.WaitAsync(LoopHarness.Timeout);
        total.Should().Be(sent, "capping the reads per event loses no byte: level-triggered epoll reports the rest");
        sink.Corrupt.Should().Be(-1, "every byte arrives intact and in order");
    }

    /// <summary>Consumes and counts everything; completes <see cref="Finished"/> with the total at the peer's FIN.</summary>
    private sealed class SinkHandler : IConnectionHandler
    {
        private readonly TaskCompletionSource<long> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(long Threshold, TaskCompletionSource Signal)> _waiters = [];
        private long _total;

        public long Total => Interlocked.Read(ref _total);

        public Task<long> Finished => _finished.Task;

        public Task Received(long bytes)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiters)
            {
                _waiters.Add((bytes, signal));
            }
            Check();
            return signal.Task;
        }

        /// <summary>The stream offset of the first byte that broke the pattern; -1 if none did.</summary>
        public long Corrupt { get; private set; } = -1;

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            long offset = Total;
            for (int i = 0; i < data.Length && Corrupt < 0; i++)
            {
                if (data[i] != (byte)((offset + i) % 251))
                {
                    Corrupt = offset + i;
                }
            }
            Interlocked.Add(ref _total, data.Length);
            Check();
            return data.Length;
        }

        public void OnInputShutdown(TcpConnection connection)
        {
            _finished.TrySetResult(Total);
            connection.Close();
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) =>
            _finished.TrySetResult(-1);

        private void Check()
        {
            lock (_waiters)
            {
                _waiters.RemoveAll(w => Total >= w.Threshold && w.Signal.TrySetResult());
            }
        }
    }
}
