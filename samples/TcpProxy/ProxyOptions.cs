using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Proxy;

/// <summary>The proxy's command line: where to listen, where to forward, how many loops.</summary>
public sealed class ProxyOptions
{
    public const int DefaultPort = 3268;

    public IPAddress Host { get; set; } = IPAddress.Loopback;

    /// <summary>0 asks the kernel for an ephemeral port; the proxy prints the real one.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Where every client connection is forwarded: an IP endpoint or a Unix socket path.</summary>
    public EndPoint? Upstream { get; set; }

    public int Loops { get; set; } = 1;

    public IPEndPoint EndPoint => new(Host, Port);

    /// <returns>The options, or <see langword="null"/> with <paramref name="exitCode"/> set when the program must end (help or bad arguments).</returns>
    public static ProxyOptions? Parse(string programName, string summary, IReadOnlyList<string> args, out int exitCode, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var options = new ProxyOptions();
        var parser = new CommandLineParser(programName, summary)
            .AddOption("--host", "ADDRESS", $"IP address to listen on (default {options.Host})", v => options.Host = OptionValues.IPAddress("--host", v))
            .AddOption("--port", "PORT", $"TCP port, 0 for any free one (default {options.Port})", v => options.Port = OptionValues.Port("--port", v))
            .AddOption("--upstream", "HOST:PORT|PATH", "where to forward each connection (required): host and port, or a Unix socket path", v => options.Upstream = ParseUpstream(v))
            .AddOption("--loops", "N", $"event loops, one thread each (default {options.Loops})", v => options.Loops = OptionValues.PositiveInt32("--loops", v));
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        int? exit = parser.ParseOrExit(args, stdout, stderr);
        if (exit is null && options.Upstream is null)
        {
            stderr.WriteLine($"{programName}: --upstream is required");
            stderr.WriteLine($"Try '{programName} --help' for more information.");
            stderr.Flush();
            exit = ExitCodes.Usage;
        }
        exitCode = exit ?? ExitCodes.Success;
        return exit is null ? options : null;
    }

    /// <summary>
    /// <c>HOST:PORT</c> (an IPv4 address, <c>[IPv6]</c> or a name resolved once, now) or a Unix
    /// socket path (anything with a <c>/</c>).
    /// </summary>
    public static EndPoint ParseUpstream(string value)
    {
        if (value.Contains('/', StringComparison.Ordinal))
        {
            return new UnixDomainSocketEndPoint(value);
        }
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1
            || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > IPEndPoint.MaxPort)
        {
            throw new CommandLineException($"--upstream expects HOST:PORT with a port from 1 to 65535, or a Unix socket path, got '{value}'");
        }
        string host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(address, port);
        }
        try
        {
            IPAddress[] addresses = Dns.GetHostAddresses(host);
            IPAddress chosen = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
            return new IPEndPoint(chosen, port);
        }
        catch (Exception ex) when (ex is SocketException or IndexOutOfRangeException or ArgumentException)
        {
            throw new CommandLineException($"--upstream: cannot resolve '{host}'", ex);
        }
    }
}
