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
}
