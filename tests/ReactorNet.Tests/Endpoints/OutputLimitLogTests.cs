using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Endpoints;

/// <summary>
/// The output-limit warning is rate-limited per loop, not per process: one application's (or one
/// loop's) misbehaving peers must not silence the warning of another reactor in the same process.
/// </summary>
public sealed class OutputLimitLogTests
{
    [Fact]
    public void Two_reactors_each_log_their_own_first_output_limit_warning()
    {
        var logA = new CapturingLoggerFactory();
        var logB = new CapturingLoggerFactory();
        using var a = new LoopHarness(new ReactorOptions { LoggerFactory = logA });
        using var b = new LoopHarness(new ReactorOptions { LoggerFactory = logB });
        ExceedOnce(a.Reactor);
        ExceedOnce(b.Reactor);
        Count(logA).Should().Be(1);
        Count(logB).Should().Be(1, "another reactor's warning a moment ago must not suppress this one");
    }

    private static int Count(CapturingLoggerFactory log) =>
        log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("over the limit", StringComparison.Ordinal));

    /// <summary>A server whose handler sends to a client that never reads until the limit closes the connection.</summary>
    private static void ExceedOnce(Reactor reactor)
    {
        var closed = new TaskCompletionSource<CloseReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new Flooder(closed);
        using var server = new TcpServer(reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions
        {
            Connection = new TcpConnectionOptions { LowWaterMark = 1024, HighWaterMark = 4096, MaxPendingOutputBytes = 64 * 1024 },
        });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        client.Connect(server.LocalEndPoint);
        LoopHarness.Wait(closed.Task).Should().Be(CloseReason.OutputLimitExceeded);
    }

    private sealed class Flooder(TaskCompletionSource<CloseReason> closed) : IConnectionHandler
    {
        private static readonly byte[] Chunk = new byte[16 * 1024];

        public void OnConnected(TcpConnection connection)
        {
            for (int i = 0; i < 100_000 && connection.TrySend(Chunk); i++)
            {
            }
        }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data) => data.Length;

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => closed.TrySetResult(reason);
    }
}
