using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;
using ReactorNet.Tests.Tcp;

namespace ReactorNet.Tests.Endpoints;

/// <summary>
/// Warnings any peer can trigger are rate-limited (reliability M9): a connection storm against
/// a full server must not write a log line per connection from the loop thread.
/// </summary>
public sealed class WarningRateLimitTests
{
    [Fact]
    public async Task Connections_refused_over_the_limit_log_about_one_warning_per_second_with_a_suppressed_count()
    {
        const int Refused = 50;
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log });
        var handler = new EchoHandler();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { MaxConnections = 1 });
        using var held = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await held.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        await held.SendAsync("x"u8.ToArray(), SocketFlags.None);
        (await held.ReceiveExactlyAsync(1)).Should().Equal("x"u8.ToArray()); // counted as open

        var elapsed = Stopwatch.StartNew();
        for (int i = 0; i < Refused; i++)
        {
            using var refused = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await refused.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
            }
            catch (SocketException)
            {
                // The server's RST may beat the connect's completion: refused either way.
            }
        }
        SpinWait.SpinUntil(() => server.RejectedCount == Refused, LoopHarness.Timeout).Should().BeTrue();
        elapsed.Stop();

        var warnings = log.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("Connection limit", StringComparison.Ordinal)).ToArray();
        warnings.Should().NotBeEmpty("the first refusal is reported");
        warnings.Length.Should().BeLessThanOrEqualTo((int)elapsed.Elapsed.TotalSeconds + 2, "at most one warning per second");
        if (warnings.Length > 1)
        {
            warnings[1].Message.Should().MatchRegex(@"\d+ similar messages suppressed");
        }
    }
}
