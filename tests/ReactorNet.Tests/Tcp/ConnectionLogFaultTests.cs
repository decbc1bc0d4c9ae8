using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>An application logger that throws (a bug of its own) costs a log line, never a connection.</summary>
public sealed class ConnectionLogFaultTests
{
    /// <summary>
    /// The "connection opened" line (Debug) comes after the loop's registration has taken the
    /// descriptor. A logger throwing there failed the connection's start: the server closed the
    /// descriptor itself, so the client was hung up on, and the registration kept the number to
    /// close again when the loop ended (by then perhaps another descriptor's).
    /// </summary>
    [Fact]
    public async Task A_logger_that_throws_on_the_opened_line_does_not_cost_the_connection()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains(" opened from ", StringComparison.Ordinal));
        using var harness = new EchoServerHarness(reactorOptions: new ReactorOptions { LoggerFactory = logger });
        using Socket client = await harness.ConnectClientAsync();
        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        (await client.ReceiveExactlyAsync(4)).Should().Equal("ping"u8.ToArray(), "the connection is served");
        logger.Thrown.Should().BeGreaterThan(0, "the test needs the logger to have thrown");
    }

    /// <summary>
    /// A handler that throws is logged, then its connection aborted. A logger that threw on that
    /// line skipped the abort; from OnConnected the exception then failed the connection's start:
    /// the handler never heard OnClosed, and the server closed the descriptor its registration owns.
    /// </summary>
    [Fact]
    public async Task A_logger_that_throws_on_the_handler_fault_line_does_not_keep_a_connection_whose_OnConnected_threw_from_closing()
    {
        var logger = new ThrowingLoggerFactory(line => line.Contains("handler threw", StringComparison.Ordinal));
        var handler = new ThrowingOnConnected();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = logger });
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        }
        catch (SocketException)
        {
            // The abort's reset can reach the client before it hears of its connect (a loaded machine).
        }
        (await handler.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.HandlerFault);
        logger.Thrown.Should().BeGreaterThan(0, "the test needs the logger to have thrown");
        loop.Invoke(() => server.ConnectionCount).Should().Be(0, "the server forgot the aborted connection");
    }

    private sealed class ThrowingOnConnected : IConnectionHandler
    {
        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConnected(TcpConnection connection) => throw new InvalidOperationException("handler failed");

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data) => data.Length;

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);
    }
}
