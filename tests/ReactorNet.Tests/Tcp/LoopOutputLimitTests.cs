using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// <see cref="TcpConnectionOptions.MaxLoopPendingOutputBytes"/>: the output one loop holds for all
/// its slow readers together is bounded, not only each connection's (reliability review M8: with
/// 10,000 connections the per-connection limit alone allows 160 GiB).
/// </summary>
public sealed class LoopOutputLimitTests
{
    private const int Chunk = 64 * 1024;
    private const long LoopLimit = 2 << 20;
    private const int HogTarget = 3 << 19; // 1.5 MiB

    [Fact]
    public async Task A_flood_is_cut_off_at_the_loops_limit_counting_what_other_connections_hold_and_only_the_flooding_connection_closes()
    {
        var options = new TcpConnectionOptions { MaxLoopPendingOutputBytes = LoopLimit, WriteStallTimeout = Timeout.InfiniteTimeSpan };
        var handler = new RoleHandler();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options });
        using var hogClient = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        using var floodClient = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await hogClient.ConnectAsync(server.LocalEndPoint);
        await floodClient.ConnectAsync(server.LocalEndPoint);

        // Neither client reads. The hog queues 1.5 MiB in user space (past what the kernel buffers)
        // and stops; then the flood ignores backpressure until a send is refused.
        await hogClient.SendAsync("H"u8.ToArray(), SocketFlags.None);
        int hogPending = await handler.HogDone.Task.WaitAsync(LoopHarness.Timeout);
        hogPending.Should().BeGreaterThanOrEqualTo(HogTarget);
        await floodClient.SendAsync("F"u8.ToArray(), SocketFlags.None);
        int floodPendingAtRefusal = await handler.FloodRefused.Task.WaitAsync(LoopHarness.Timeout);

        (await handler.Closed["F"].Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.OutputLimitExceeded);
        floodPendingAtRefusal.Should().BeLessThanOrEqualTo((int)(LoopLimit - hogPending),
            "the loop's limit counts the hog's pending output too, so the flood gets only the rest");
        loop.Invoke(() => handler.Hog!.IsClosed).Should().BeFalse("only the connection whose send passed the limit is closed");
        loop.Invoke(() => LoopBuffers.For(loop.Reactor).PendingOutputBytes).Should().Be(hogPending,
            "the flood's pending output was uncounted when it was discarded");

        hogClient.LingerState = new LingerOption(true, 0);
        hogClient.Close(); // reset: the hog's pending output is discarded too
        await handler.Closed["H"].Task.WaitAsync(LoopHarness.Timeout);
        loop.Invoke(() => LoopBuffers.For(loop.Reactor).PendingOutputBytes).Should().Be(0, "every counted byte is uncounted exactly once");
    }

    [Fact]
    public void A_negative_loop_limit_is_refused_where_it_is_set()
    {
        var set = () => new TcpConnectionOptions { MaxLoopPendingOutputBytes = -1 };
        set.Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(TcpConnectionOptions.MaxLoopPendingOutputBytes));
    }

    private sealed class RoleHandler : IConnectionHandler
    {
        private readonly byte[] _chunk = new byte[Chunk];

        public TcpConnection? Hog { get; private set; }

        public TaskCompletionSource<int> HogDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<int> FloodRefused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Dictionary<string, TaskCompletionSource<CloseReason>> Closed { get; } = new()
        {
            ["H"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["F"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            if (data[0] == (byte)'H')
            {
                connection.UserState = "H";
                Hog = connection;
                for (int i = 0; i < 1024 && connection.PendingOutputBytes < HogTarget; i++) // at most 64 MiB
                {
                    connection.TrySend(_chunk).Should().BeTrue("the hog stays under the loop's limit");
                    connection.Flush(); // let the kernel take what it will, so what stays pending is user-space memory
                }
                HogDone.TrySetResult(connection.PendingOutputBytes);
            }
            else
            {
                connection.UserState = "F";
                for (int i = 0; i < 1024; i++) // at most 64 MiB, ignoring IsWritable
                {
                    int pending = connection.PendingOutputBytes;
                    if (!connection.TrySend(_chunk))
                    {
                        FloodRefused.TrySetResult(pending);
                        break;
                    }
                    connection.Flush();
                }
                FloodRefused.TrySetResult(-1);
            }
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) =>
            Closed[(string)connection.UserState!].TrySetResult(reason);
    }
}
