using System.Net;

namespace ReactorNet.Samples.Common;

/// <summary>The command line every echo server shares: where to listen and what to answer.</summary>
public sealed class EchoServerOptions
{
    public const int DefaultPort = 3267;

    /// <summary>SOMAXCONN on current kernels; the kernel silently caps a larger value at its own limit.</summary>
    public const int DefaultBacklog = 4096;

    public IPAddress Host { get; set; } = IPAddress.Loopback;

    /// <summary>0 asks the kernel for an ephemeral port; the server prints the real one.</summary>
    public int Port { get; set; } = DefaultPort;

    public int Backlog { get; set; } = DefaultBacklog;

    /// <summary><see langword="null"/>: plain echo. Otherwise line mode: each line is answered with this text + the line.</summary>
    public string? Greeting { get; set; }

    public IPEndPoint EndPoint => new(Host, Port);

    /// <summary>Declares <c>--host --port --backlog --greeting</c> on <paramref name="parser"/>, storing into this instance.</summary>
    /// <remarks><c>--loops</c> belongs to the reactor server alone: a server without event loops must reject it, not ignore it.</remarks>
    public void AddTo(CommandLineParser parser)
    {
        ArgumentNullException.ThrowIfNull(parser);
        parser
            .AddOption("--host", "ADDRESS", $"IP address to listen on (default {Host})", v => Host = OptionValues.IPAddress("--host", v))
            .AddOption("--port", "PORT", $"TCP port, 0 for any free one (default {Port})", v => Port = OptionValues.Port("--port", v))
            .AddOption("--backlog", "N", $"listen backlog (default {Backlog})", v => Backlog = OptionValues.PositiveInt32("--backlog", v))
            .AddOption("--greeting", "TEXT", "answer each line with TEXT + the line instead of a plain echo", v => Greeting = v);
    }

    /// <summary>
    /// Parses a server's command line. <paramref name="configure"/> declares the server's own options
    /// (e.g. <c>--mode</c>) on the same parser.
    /// </summary>
    /// <returns>The options, or <see langword="null"/> with <paramref name="exitCode"/> set when the program must end (help or bad arguments).</returns>
    public static EchoServerOptions? Parse(
        string programName,
        string summary,
        IReadOnlyList<string> args,
        out int exitCode,
        Action<CommandLineParser>? configure = null,
        TextWriter? stdout = null,
        TextWriter? stderr = null)
    {
        var options = new EchoServerOptions();
        var parser = new CommandLineParser(programName, summary);
        options.AddTo(parser);
        configure?.Invoke(parser);

        int? exit = parser.ParseOrExit(args, stdout ?? Console.Out, stderr ?? Console.Error);
        exitCode = exit ?? ExitCodes.Success;
        return exit is null ? options : null;
    }
}
