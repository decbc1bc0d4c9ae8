using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Resp.Tests.Support;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Resp.Tests.EndToEnd;

/// <summary>RespServer's command line and life cycle as a user meets them.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--port", "65536" }, "--port expects a number from 0 to 65535, got '65536'")]
    [InlineData(new[] { "--loops", "0" }, "--loops expects a whole number of at least 1, got '0'")]
    [InlineData(new[] { "--maxmemory", "lots" }, "--maxmemory expects a number of bytes such as 104857600 or 100mb (0: unlimited), got 'lots'")]
    [InlineData(new[] { "--maxmemory", "-1" }, "--maxmemory expects a number of bytes such as 104857600 or 100mb (0: unlimited), got '-1'")]
    public void A_bad_argument_exits_with_2_and_a_clear_message(string[] args, string message)
    {
        using SampleProcess process = SampleProcess.Start(RespServerProcess.App, args);

        process.WaitForExit().Should().Be(2, process.Describe());
        process.StandardError.Should().Be($"RespServer: {message}\nTry 'RespServer --help' for more information.\n");
        process.StandardOutput.Should().BeEmpty();
    }

    [Fact]
    public void Help_prints_usage_and_exits_with_0()
    {
        using SampleProcess process = SampleProcess.Start(RespServerProcess.App, ["--help"]);

        process.WaitForExit().Should().Be(0, process.Describe());
        process.StandardOutput.Should().StartWith("Usage: RespServer [options]").And.Contain("--maxmemory BYTES").And.Contain("--loops N");
    }

    [Fact]
    public async Task Prints_one_listening_line_serves_and_stops_gracefully_on_SIGTERM()
    {
        using SampleProcess process = RespServerProcess.Start("--maxmemory", "1mb");
        IPEndPoint endPoint = process.WaitForListening();
        process.StandardOutputLines.Should().Equal($"listening on 127.0.0.1:{endPoint.Port}");

        using (Socket client = await TestSockets.ConnectAsync(endPoint))
        {
            await client.SendAsync("CONFIG GET maxmemory\r\n");
            const string Reply = "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n";
            (await client.ReceiveTextAsync(Reply)).Should().Be(Reply);
        }

        process.SendSignal(Posix.SIGTERM);
        process.WaitForExit().Should().Be(0, process.Describe());
    }
}
