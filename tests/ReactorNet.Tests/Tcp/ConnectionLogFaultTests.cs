using System.Net.Sockets;
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
}
