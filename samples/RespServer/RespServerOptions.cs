using System.Globalization;
using System.Net;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Resp;

/// <summary>The command line of RespServer.</summary>
public sealed class RespServerOptions
{
    public const int DefaultPort = 6379;

    public IPAddress Host { get; set; } = IPAddress.Loopback;

    /// <summary>0 asks the kernel for an ephemeral port; the server prints the real one.</summary>
    public int Port { get; set; } = DefaultPort;

    public int Loops { get; set; } = 1;

    /// <summary>0: unlimited.</summary>
    public long MaxMemory { get; set; }

    public IPEndPoint EndPoint => new(Host, Port);

    /// <returns>The options, or <see langword="null"/> with <paramref name="exitCode"/> set when the program must end (help or bad arguments).</returns>
    public static RespServerOptions? Parse(string programName, string summary, IReadOnlyList<string> args, out int exitCode, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var options = new RespServerOptions();
        var parser = new CommandLineParser(programName, summary)
            .AddOption("--host", "ADDRESS", $"IP address to listen on (default {options.Host})", v => options.Host = OptionValues.IPAddress("--host", v))
            .AddOption("--port", "PORT", $"TCP port, 0 for any free one (default {options.Port})", v => options.Port = OptionValues.Port("--port", v))
            .AddOption("--loops", "N", $"event loops, one thread each (default {options.Loops})", v => options.Loops = OptionValues.PositiveInt32("--loops", v))
            .AddOption("--maxmemory", "BYTES", "refuse writes while the data passes this (e.g. 100mb; default 0: unlimited)", v => options.MaxMemory = ParseMemory("--maxmemory", v));
        int? exit = parser.ParseOrExit(args, stdout ?? Console.Out, stderr ?? Console.Error);
        exitCode = exit ?? ExitCodes.Success;
        return exit is null ? options : null;
    }

    /// <summary>Redis's memory notation: a number of bytes, optionally with k/kb/m/mb/g/gb (k = 1000, kb = 1024).</summary>
    public static long ParseMemory(string option, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        (string Suffix, long Unit)[] units = [("kb", 1L << 10), ("mb", 1L << 20), ("gb", 1L << 30), ("k", 1000), ("m", 1000_000), ("g", 1000_000_000), ("b", 1)];
        string digits = value;
        long unit = 1;
        foreach ((string suffix, long size) in units)
        {
            if (value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                digits = value[..^suffix.Length];
                unit = size;
                break;
            }
        }
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number > long.MaxValue / unit)
        {
            throw new CommandLineException($"{option} expects a number of bytes such as 104857600 or 100mb (0: unlimited), got '{value}'");
        }
        return number * unit;
    }
}
