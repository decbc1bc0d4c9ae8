using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>Each program's command line as a user meets it: exit codes, stdout and stderr.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("ClassicEchoServer", new[] { "--bogus" }, "unknown option '--bogus'")]
    [InlineData("ClassicEchoServer", new[] { "--port", "65536" }, "--port expects a number from 0 to 65535, got '65536'")]
    [InlineData("ClassicEchoServer", new[] { "--mode", "fast" }, "--mode expects one of blocking, threaded, got 'fast'")]
    [InlineData("ClassicEchoServer", new[] { "--loops", "2", "--port", "0" }, "unknown option '--loops'")]
    [InlineData("EchoServer", new[] { "--bogus" }, "unknown option '--bogus'")]
    [InlineData("EchoServer", new[] { "--port", "-1" }, "--port expects a number from 0 to 65535, got '-1'")]
    [InlineData("EchoServer", new[] { "--loops", "0" }, "--loops expects a whole number of at least 1, got '0'")]
    [InlineData("EchoServer", new[] { "--loops", "two" }, "--loops expects a whole number of at least 1, got 'two'")]
    [InlineData("HttpServer", new[] { "--greeting", "x" }, "unknown option '--greeting'")]
    [InlineData("HttpServer", new[] { "--max-body", "0" }, "--max-body expects a number of bytes from 1 to 2147483647, got '0'")]
    [InlineData("EchoClient", new[] { "--port" }, "--port requires a value (--port PORT)")]
    [InlineData("EchoClient", new[] { "--port", "0" }, "--port expects a number from 1 to 65535, got '0'")]
    public void A_bad_argument_exits_with_2_and_a_clear_message(string app, string[] args, string message)
    {
        using SampleProcess process = SampleProcess.Start(SampleApp.Get(app), args);

        process.WaitForExit().Should().Be(2, process.Describe());
        process.StandardError.Should().Be($"{app}: {message}\nTry '{app} --help' for more information.\n");
        process.StandardOutput.Should().BeEmpty();
    }

    [Theory]
    [InlineData("ClassicEchoServer", "--mode blocking|threaded")]
    [InlineData("EchoServer", "--loops N")]
    [InlineData("HttpServer", "--max-body BYTES")]
    [InlineData("EchoClient", "--host HOST")]
    public void Help_prints_usage_and_exits_with_0(string app, string specificOption)
    {
        using SampleProcess process = SampleProcess.Start(SampleApp.Get(app), ["--help"]);

        process.WaitForExit().Should().Be(0, process.Describe());
        process.StandardOutput.Should().StartWith($"Usage: {app} [options]").And.Contain("--port PORT").And.Contain(specificOption);
        process.StandardError.Should().BeEmpty();
    }

    [Fact]
    public void Only_the_reactor_server_offers_loops()
    {
        using SampleProcess classic = SampleProcess.Start(SampleApp.ClassicEchoServer, ["--help"]);
        using SampleProcess reactor = SampleProcess.Start(SampleApp.EchoServer, ["--help"]);

        classic.WaitForExit().Should().Be(0, classic.Describe());
        reactor.WaitForExit().Should().Be(0, reactor.Describe());
        classic.StandardOutput.Should().NotContain("--loops", "the classic servers have no event loops");
        reactor.StandardOutput.Should().Contain("--loops N");
    }
}
