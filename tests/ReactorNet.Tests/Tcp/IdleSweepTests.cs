using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// One sweep per loop watches every connection's idle timeout (no timer per connection): many
/// connections going idle together all close, none before its timeout, and the sweep starts
/// again for connections that come after the loop had none left to watch.
/// </summary>
public sealed class IdleSweepTests
{
    [Fact]
    public async Task Every_idle_connection_closes_after_its_timeout_and_a_later_batch_is_watched_again()
    {
        var idle = TimeSpan.FromMilliseconds(300);
        using var harness = new EchoServerHarness(new TcpServerOptions { Connection = new TcpConnectionOptions { IdleTimeout = idle } });
        for (int batch = 1; batch <= 2; batch++)
        {
            const int Count = 40;
            var watch = System.Diagnostics.Stopwatch.StartNew(); // before connecting: each server clock starts later, at accept
            var closed = harness.Handler.WhenClosed(batch * Count);
            var clients = new List<Socket>();
            try
            {
                for (int i = 0; i < Count; i++)
                {
                    clients.Add(await harness.ConnectClientAsync());
                }
                await closed.WaitAsync(LoopHarness.Timeout);
                watch.Elapsed.Should().BeGreaterThanOrEqualTo(idle, "no connection closes before its idle timeout");
                foreach (Socket client in clients)
                {
                    await client.Awaiting(s => s.ReceiveToEndAsync()).Should().ThrowAsync<SocketException>("an idle connection is reset");
                }
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
            harness.Handler.Closed.Should().HaveCount(batch * Count).And.OnlyContain(c => c.Reason == CloseReason.IdleTimeout);
        }
    }
}
