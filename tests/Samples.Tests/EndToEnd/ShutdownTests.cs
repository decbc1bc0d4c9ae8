using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

public sealed class ShutdownTests
{
    [Theory]
    [MemberData(nameof(EchoServerCase.All), MemberType = typeof(EchoServerCase))]
    public async Task Sigterm_closes_connections_logs_the_shutdown_and_exits_0(string server)
    {
        using SampleProcess process = EchoServerCase.Get(server).Start();
        using Socket client = await TestSockets.ConnectAsync(process.WaitForListening());
        await client.SendAsync("connected\n");
        await client.ReceiveTextAsync("connected\n"); // being served, not just in the backlog

        process.SendSignal(Posix.SIGTERM);

        process.WaitForExit().Should().Be(0, process.Describe());
        process.StandardError.Should().Contain("SIGTERM received: shutting down").And.Contain("Shutdown complete");
        (await client.ReceiveToEndAsync()).Should().BeEmpty("the server closed the connection on its way out");
    }

    /// <summary>
    /// Newcomer m1: an idle interactive client never sends FIN, so a graceful shutdown waits out
    /// its whole grace period. The server says how long it waits and for how many clients, and a
    /// second SIGTERM (or Ctrl+C) ends the wait at once. The grace period here is ten minutes:
    /// only the second signal can make the server exit within the test's timeout.
    /// </summary>
    [Fact]
    public async Task A_second_signal_ends_the_wait_for_an_idle_client_at_once()
    {
        using SampleProcess process = EchoServerCase.Reactor.Start("--shutdown-timeout", "600");
        using Socket client = await TestSockets.ConnectAsync(process.WaitForListening());
        await client.SendAsync("connected\n");
        await client.ReceiveTextAsync("connected\n"); // being served; now idle, like nc at a prompt

        process.SendSignal(Posix.SIGTERM);
        process.WaitForStandardError("Waiting up to 600 s for 1 client(s) to close; press Ctrl+C again to stop at once");
        process.SendSignal(Posix.SIGTERM);

        process.WaitForExit().Should().Be(0, process.Describe());
        process.StandardError.Should().Contain("Second shutdown request: closing the remaining connections at once").And.Contain("Shutdown complete");
    }

    [Fact]
    public void The_reactor_server_waits_two_seconds_for_idle_clients_by_default()
    {
        using SampleProcess process = SampleProcess.Start(SampleApp.EchoServer, ["--help"]);

        process.WaitForExit().Should().Be(0, process.Describe());
        process.StandardOutput.Should().Contain("--shutdown-timeout SECONDS").And.Contain("wait this long for clients to close (default 2)");
    }
}
