using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>The reactor echo server is safe by default: an idle timeout and a connection limit.</summary>
public sealed class ServerLimitsTests
{
    [Fact]
    public void Help_shows_the_default_limits()
    {
        using SampleProcess process = SampleProcess.Start(SampleApp.EchoServer, ["--help"]);
        process.WaitForExit().Should().Be(0);
        process.StandardOutput.Should().Contain("--max-connections N").And.Contain("(default 20000)")
            .And.Contain("--idle-timeout SECONDS").And.Contain("(default 120)");
    }

    [Fact]
    public async Task An_idle_client_is_closed_after_the_idle_timeout()
    {
        using SampleProcess server = EchoServerCase.Reactor.Start("--idle-timeout", "1");
        using Socket client = await TestSockets.ConnectAsync(server.WaitForListening());
        await client.SendAsync("hello\n");
        await client.ReceiveTextAsync("hello\n");
        using var timeout = new CancellationTokenSource(TestTimeouts.Network);
        var buffer = new byte[16];
        Func<Task> idle = async () => await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        await idle.Should().ThrowAsync<SocketException>("the server resets the idle connection");
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_refused()
    {
        using SampleProcess server = EchoServerCase.Reactor.Start("--max-connections", "1");
        var endPoint = server.WaitForListening();
        using Socket first = await TestSockets.ConnectAsync(endPoint);
        await first.SendAsync("one\n");
        await first.ReceiveTextAsync("one\n");

        using var timeout = new CancellationTokenSource(TestTimeouts.Network);
        var buffer = new byte[16];
        Func<Task> refused = async () =>
        {
            // The kernel completes the handshake, then the server accepts and resets the connection at
            // once: the RST can reach the client before its asynchronous connect has completed, so the
            // reset may surface from the connect as well as from the first receive. Both are the refusal;
            // a server that kept the connection would make the receive time out instead.
            using Socket second = await TestSockets.ConnectAsync(endPoint);
            int n = await second.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            n.Should().Be(0);
        };
        await refused.Should().ThrowAsync<SocketException>("the server resets a connection over its limit");

        await first.SendAsync("still\n");
        await first.ReceiveTextAsync("still\n");
    }
}
