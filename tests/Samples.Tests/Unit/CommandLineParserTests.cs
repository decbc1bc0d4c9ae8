using System.Net;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Tests.Unit;

public sealed class CommandLineParserTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        EchoServerOptions options = Parse([]);

        options.Host.Should().Be(IPAddress.Loopback);
        options.Port.Should().Be(3267);
        options.Backlog.Should().Be(4096);
        options.Greeting.Should().BeNull();
    }

    [Fact]
    public void Every_shared_option_is_parsed_in_both_forms()
    {
        EchoServerOptions options = Parse(["--host", "::1", "--port=0", "--backlog", "16", "--greeting", "Hello, "]);

        options.EndPoint.Should().Be(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        options.Backlog.Should().Be(16);
        options.Greeting.Should().Be("Hello, ");
    }

    [Fact]
    public void A_value_starting_with_dashes_is_given_with_equals()
    {
        Parse(["--greeting=--> "]).Greeting.Should().Be("--> ");
        Parse(["--greeting="]).Greeting.Should().Be("");
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--port" }, "--port requires a value")]
    [InlineData(new[] { "--greeting", "--port", "1" }, "--greeting requires a value")]
    [InlineData(new[] { "--port", "http" }, "--port expects a number from 0 to 65535, got 'http'")]
    [InlineData(new[] { "--port", "65536" }, "--port expects a number from 0 to 65535, got '65536'")]
    [InlineData(new[] { "--port=-1" }, "--port expects a number from 0 to 65535, got '-1'")]
    [InlineData(new[] { "--port", "99999999999" }, "--port expects a number from 0 to 65535")]
    [InlineData(new[] { "--host", "nowhere" }, "--host expects an IP address")]
    [InlineData(new[] { "--loops", "2" }, "unknown option '--loops'")]
    [InlineData(new[] { "--backlog", "0" }, "--backlog expects a whole number of at least 1")]
    [InlineData(new[] { "3267" }, "unexpected argument '3267'")]
    [InlineData(new[] { "--" }, "unexpected argument '--'")]
    [InlineData(new[] { "--mode", "fast" }, "--mode expects one of blocking, threaded, got 'fast'")]
    public void A_bad_command_line_gives_exit_code_2_a_one_line_error_and_a_hint(string[] args, string message)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        EchoServerOptions? options = EchoServerOptions.Parse("Server", "", args, out int exitCode, AddMode, stdout, stderr);

        options.Should().BeNull();
        exitCode.Should().Be(2);
        stdout.ToString().Should().BeEmpty();
        string[] lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2);
        lines[0].Should().StartWith("Server: ").And.Contain(message);
        lines[1].Should().Be("Try 'Server --help' for more information.");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_prints_usage_with_every_option_and_exit_code_0_even_among_bad_arguments(string help)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        EchoServerOptions? options = EchoServerOptions.Parse("Server", "An echo server.", ["--port", "x", help], out int exitCode, AddMode, stdout, stderr);

        options.Should().BeNull();
        exitCode.Should().Be(0);
        stderr.ToString().Should().BeEmpty();
        stdout.ToString().Should().StartWith("Usage: Server [options]")
            .And.Contain("An echo server.")
            .And.ContainAll("--host ADDRESS", "--port PORT", "--backlog N", "--greeting TEXT", "--mode blocking|threaded", "--help");
    }

    [Fact]
    public void Flags_and_repeated_options_work_and_names_are_checked_at_declaration()
    {
        bool verbose = false;
        string? last = null;
        var parser = new CommandLineParser("Tool", "")
            .AddFlag("--verbose", "talk more", () => verbose = true)
            .AddOption("--name", "NAME", "a name", v => last = v);

        parser.Parse(["--name", "a", "--verbose", "--name", "b"]).Should().BeFalse();
        verbose.Should().BeTrue();
        last.Should().Be("b");

        parser.Invoking(p => p.Parse(["--verbose=yes"])).Should().Throw<CommandLineException>().WithMessage("--verbose takes no value");
        parser.Invoking(p => p.AddFlag("--verbose", "", () => { })).Should().Throw<ArgumentException>();
        parser.Invoking(p => p.AddFlag("--help", "", () => { })).Should().Throw<ArgumentException>();
        parser.Invoking(p => p.AddFlag("-v", "", () => { })).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Port_parsing_can_exclude_zero_for_clients()
    {
        OptionValues.Port("--port", "0").Should().Be(0);
        OptionValues.Port("--port", "65535", allowZero: false).Should().Be(65535);
        var act = () => OptionValues.Port("--port", "0", allowZero: false);
        act.Should().Throw<CommandLineException>().WithMessage("--port expects a number from 1 to 65535, got '0'");
    }

    private static EchoServerOptions Parse(string[] args)
    {
        var stderr = new StringWriter();
        EchoServerOptions? options = EchoServerOptions.Parse("Server", "", args, out int exitCode, AddMode, TextWriter.Null, stderr);
        options.Should().NotBeNull(stderr.ToString());
        exitCode.Should().Be(0);
        return options!;
    }

    /// <summary>A server-specific option, declared the way ClassicEchoServer declares <c>--mode</c>.</summary>
    private static void AddMode(CommandLineParser parser) =>
        parser.AddOption("--mode", "blocking|threaded", "which server", v => OptionValues.Choice("--mode", v, "blocking", "threaded"));
}
