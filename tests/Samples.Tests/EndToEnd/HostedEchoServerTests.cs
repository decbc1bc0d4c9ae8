using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>The Generic Host sample as a real process: settings from appsettings.json and the command line.</summary>
public sealed class HostedEchoServerTests
{
    [Theory]
    [InlineData("--ReactorNet:Servers:Echo:Port=0")]
    [InlineData("--port", "0")]
    public async Task Echoes_on_the_port_the_command_line_names_and_stops_gracefully_on_sigterm(params string[] portArguments)
    {
        using SampleProcess process = SampleProcess.Start(SampleApp.HostedEchoServer, portArguments);
        IPEndPoint endPoint = process.WaitForListening();
        endPoint.Address.Should().Be(IPAddress.Loopback, "appsettings.json says 127.0.0.1");
        endPoint.Port.Should().NotBe(3267, "the command line overrides appsettings.json's port with 0: a free one");

        using Socket client = await TestSockets.ConnectAsync(endPoint);
        await client.SendAsync("hello hosted\n");
        (await client.ReceiveTextAsync("hello hosted\n")).Should().Be("hello hosted\n");

        process.SendSignal(Posix.SIGTERM);

        byte[] rest;
        try
        {
            rest = await client.ReceiveToEndAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            throw new InvalidOperationException($"The connection did not end after SIGTERM: {ex.Message}{process.Describe()}", ex);
        }
        rest.Should().BeEmpty("the server closed the connection on its way out");
        client.Shutdown(SocketShutdown.Send); // answer the server's FIN: the close completes gracefully
        process.WaitForExit().Should().Be(0, process.Describe());
        process.StandardOutputLines.Should().ContainSingle().Which.Should().Be($"listening on {endPoint}", "logs go to stderr");
        process.StandardError.Should().Contain("closed: Graceful", process.Describe()).And.Contain("ReactorNet server Echo stopped: 1 connections closed, 0 aborted");
    }

    [Fact]
    public void A_port_in_use_fails_with_one_clear_line_and_exit_code_1()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        using SampleProcess process = SampleProcess.Start(SampleApp.HostedEchoServer, ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        process.WaitForExit().Should().Be(1, process.Describe());
        process.StandardOutput.Should().BeEmpty();
        process.StandardError.Should().Contain($"HostedEchoServer: bind(127.0.0.1:{port}) failed");
    }
}
