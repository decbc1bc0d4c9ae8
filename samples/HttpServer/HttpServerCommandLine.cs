using System.Globalization;
using System.Net;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Http.Protocol;

namespace ReactorNet.Samples.Http;

/// <summary>The HTTP server's command line: the servers' common options plus the HTTP limits.</summary>
public sealed class HttpServerCommandLine
{
    /// <summary>The port when none is given.</summary>
    public const int DefaultPort = 8080;

    /// <summary>Where to listen.</summary>
    public IPAddress Host { get; private set; } = IPAddress.Loopback;

    /// <summary>0 asks for any free port.</summary>
    public int Port { get; private set; } = DefaultPort;

    /// <summary>The listen backlog.</summary>
    public int Backlog { get; private set; } = EchoServerOptions.DefaultBacklog;

    /// <summary>Event loops (threads).</summary>
    public int Loops { get; private set; } = 1;

    /// <summary>Largest request body in bytes.</summary>
    public long MaxBody { get; private set; } = HttpLimits.Default.MaxBodyLength;

    /// <summary>The endpoint to bind.</summary>
    public IPEndPoint EndPoint => new(Host, Port);

    /// <summary>The server options these arguments ask for.</summary>
    public HttpServerOptions ServerOptions => new() { Limits = new HttpLimits { MaxBodyLength = MaxBody } };

    /// <summary>Parses <paramref name="args"/>; null with <paramref name="exitCode"/> set when the program must end (help: 0, bad arguments: 2).</summary>
    public static HttpServerCommandLine? Parse(string programName, string summary, IReadOnlyList<string> args, out int exitCode, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var options = new HttpServerCommandLine();
        var parser = new CommandLineParser(programName, summary)
            .AddOption("--host", "ADDRESS", $"IP address to listen on (default {options.Host})", v => options.Host = OptionValues.IPAddress("--host", v))
            .AddOption("--port", "PORT", $"TCP port, 0 for any free one (default {DefaultPort})", v => options.Port = OptionValues.Port("--port", v))
            .AddOption("--backlog", "N", $"listen backlog (default {options.Backlog})", v => options.Backlog = OptionValues.PositiveInt32("--backlog", v))
            .AddOption("--loops", "N", $"event loops, one thread each (default {options.Loops})", v => options.Loops = OptionValues.PositiveInt32("--loops", v))
            .AddOption("--max-body", "BYTES", $"largest request body; larger ones get 413 (default {options.MaxBody})", v => options.MaxBody = Bytes("--max-body", v));
        int? exit = parser.ParseOrExit(args, stdout ?? Console.Out, stderr ?? Console.Error);
        exitCode = exit ?? ExitCodes.Success;
        return exit is null ? options : null;
    }

    private static long Bytes(string option, string value)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) || bytes < 1 || bytes > int.MaxValue)
        {
            throw new CommandLineException($"{option} expects a number of bytes from 1 to {int.MaxValue}, got '{value}'");
        }
        return bytes;
    }
}
