using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>The EchoClient program scripted through a pipe.</summary>
public sealed class EchoClientTests
{
    [Theory]
    [MemberData(nameof(EchoServerCase.All), MemberType = typeof(EchoServerCase))]
    public void Piped_lines_are_sent_and_each_reply_is_printed_on_its_own_line(string server)
    {
        using SampleProcess serverProcess = EchoServerCase.Get(server).Start("--greeting", "Hello, ");
        IPEndPoint endPoint = serverProcess.WaitForListening();

        using SampleProcess client = StartClient(endPoint);
        client.StandardInput.Write("world\nsecond line\n\nthird\n");
        client.StandardInput.Close(); // end of input: the client says goodbye and exits 0

        client.WaitForExit().Should().Be(0, client.Describe());
        client.StandardOutputLines.Should().Equal(["Hello, world", "Hello, second line", "Hello, ", "Hello, third"], client.Describe());
        client.StandardError.Should().BeEmpty();
    }

    [Fact]
    public void Connection_refused_is_reported_on_stderr_with_exit_code_1()
    {
        // A bound socket that does not listen: connecting to its port is refused, and nobody can take it meanwhile.
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        using SampleProcess client = StartClient((IPEndPoint)bound.LocalEndPoint!);
        client.StandardInput.Close();

        client.WaitForExit().Should().Be(1, client.Describe());
        client.StandardError.Should().StartWith("EchoClient: cannot connect to 127.0.0.1:").And.Contain("refused");
        client.StandardOutput.Should().BeEmpty();
    }

    /// <summary>
    /// Newcomer m2: the client used to notice a vanished server only when the user typed the next
    /// line. Here the user types nothing (stdin stays open) and the server closes the connection:
    /// the client must report it and exit by itself.
    /// </summary>
    [Fact]
    public async Task A_server_that_goes_away_is_reported_while_the_user_is_not_typing()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();

        using SampleProcess client = StartClient((IPEndPoint)listener.LocalEndPoint!);
        using Socket served = await listener.AcceptAsync().WaitAsync(TestTimeouts.Exit);
        served.Shutdown(SocketShutdown.Send); // FIN, as a server on its way out sends
        served.Close();

        client.WaitForExit().Should().Be(1, client.Describe());
        client.StandardError.Should().StartWith("EchoClient: the server closed the connection");
        client.StandardOutput.Should().BeEmpty();
    }

    private static SampleProcess StartClient(IPEndPoint server) => SampleProcess.Start(SampleApp.EchoClient,
        ["--host", server.Address.ToString(), "--port", server.Port.ToString(CultureInfo.InvariantCulture)]);
}
