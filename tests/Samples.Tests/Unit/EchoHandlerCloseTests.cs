using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Echo;
using ReactorNet.Samples.Tests.Support;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Tests.Unit;

/// <summary>
/// A connection's end costs the echo server no formatting when nobody logs it: at 10,000 clients
/// that reset at once, building the debug line's error text and endpoint anyway was 300 bytes of
/// garbage per connection (issue #10: the peak RSS of the c10k run comes at that teardown).
/// </summary>
public sealed class EchoHandlerCloseTests
{
    private const int Clients = 200;

    [Fact]
    public async Task Clients_that_reset_cost_the_loop_only_the_transports_own_allocations_when_debug_logging_is_off()
    {
        using var loggerFactory = new StderrLoggerFactory(LogLevel.Information, TextWriter.Null);
        using var loop = new Reactor(new ReactorOptions());
        loop.Start();
        using var server = new TcpServer(loop, new IPEndPoint(IPAddress.Loopback, 0),
            () => new EchoHandler(new EchoProtocol(), loggerFactory.CreateLogger("EchoServer")));
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                await client.ConnectAsync(server.LocalEndPoint);
                await client.SendAsync("x"u8.ToArray());
                await client.ReceiveExactlyAsync(1); // served: the connection is established on the loop
            }
            long before = LoopAllocations.Read(loop);
            foreach (Socket client in clients)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Close();
            }
            SpinWait.SpinUntil(() => server.ConnectionCount == 0, TestTimeouts.Network).Should().BeTrue("every reset is noticed");
            long perClose = (LoopAllocations.Read(loop) - before) / Clients;
            // The transport's part: the SystemCallException handed to OnClosed (about 190 B).
            perClose.Should().BeLessThanOrEqualTo(240, "bytes the loop allocated per reset connection");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
