using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// An application logger that throws costs its line, never the work around it: a connection's
/// timers (write stall, close timeout) and its reading of the peer's FIN still close it the way
/// they would have, and nothing escapes to the loop as a fault of its own.
/// </summary>
public sealed class TransportLogFaultTests
{
    /// <summary>
    /// The write-stall timer logs, then resets the connection. A logger throwing on that line
    /// skipped the reset: a peer that never reads kept the connection, its output and its server
    /// slot for ever (the timer was not armed again).
    /// </summary>
    [Fact]
    public async Task A_logger_that_throws_on_the_write_stall_line_does_not_keep_the_stalled_connection_open()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("write-stall timeout", StringComparison.Ordinal));
        var handler = new ScriptedHandler { Connected = c => c.TrySend(new byte[8 << 20]).Should().BeTrue() };
        var options = new TcpConnectionOptions { MaxPendingOutputBytes = 16 << 20, WriteStallTimeout = TimeSpan.FromMilliseconds(300) };
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = logger });
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        client.Connect(server.LocalEndPoint); // and never reads

        (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.WriteStalled);
        loop.Invoke(() => server.ConnectionCount).Should().Be(0, "the server forgot the connection");
        logger.Thrown.Should().Be(1, "the test needs the logger to have thrown");
    }

    /// <summary>
    /// Reading the peer's FIN logs a Debug line. A logger throwing there failed the event's
    /// handling as a transport fault: the connection was reset (HandlerFault, RST) instead of
    /// closing gracefully after its answer.
    /// </summary>
    [Fact]
    public async Task A_logger_that_throws_on_the_peer_FIN_line_does_not_turn_a_graceful_close_into_a_reset()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("peer sent FIN", StringComparison.Ordinal));
        var handler = new ScriptedHandler { Data = (c, data) => c.TrySend(data) }; // OnInputShutdown: Close()
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = logger });
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
        (await client.ReceiveToEndAsync()).Should().Equal("ping"u8.ToArray(), "the answer, then EOF");
        logger.Thrown.Should().Be(1, "the test needs the logger to have thrown");
    }

    /// <summary>
    /// A handler's OnClosed that throws is logged. From the close timer, a logger throwing on that
    /// line let its exception out of the connection's close to the loop, which reported it as a
    /// posted callback or timer of the application failing.
    /// </summary>
    [Fact]
    public async Task A_logger_that_throws_on_the_OnClosed_fault_line_in_the_close_timer_reports_no_loop_fault()
    {
        var lines = new ConcurrentQueue<string>();
        var logger = new ThrowingLoggerFactory(line =>
        {
            lines.Enqueue(line);
            return line.Contains("handler threw", StringComparison.Ordinal);
        });
        var handler = new ClosingHandler();
        var options = new TcpConnectionOptions { CloseTimeout = TimeSpan.FromMilliseconds(50) };
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = logger });
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout); // and never sends its FIN

        (await handler.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.CloseTimeout);
        loop.Invoke(() => server.ConnectionCount).Should().Be(0, "the server forgot the connection");
        logger.Thrown.Should().Be(1, "the test needs the logger to have thrown");
        lines.Should().NotContain(line => line.Contains("posted callback or timer threw", StringComparison.Ordinal));
    }

    /// <summary>Closes at once; its OnClosed throws after it has signalled.</summary>
    private sealed class ClosingHandler : IConnectionHandler
    {
        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConnected(TcpConnection connection) => connection.Close();

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data) => data.Length;

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
        {
            Closed.TrySetResult(reason);
            throw new InvalidOperationException("handler failed");
        }
    }
}
