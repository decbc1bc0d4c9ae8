using System.Globalization;
using System.Net;

namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>The command line of EchoLoad, parsed and checked.</summary>
internal sealed class LoadOptions
{
    public const string Usage =
        """
        usage: EchoLoad [--host 127.0.0.1] [--port 3267] [--connections 1] [--size 64]
                        [--duration 10] [--warmup 2] [--depth 1] [--threads <cores>]
                        [--connect-rate 0] [--connect-timeout 10] [--json FILE]

          --connections N     TCP connections to open
          --size BYTES        bytes per message
          --depth D           messages in flight per connection
          --duration S        measured seconds (after warmup)
          --warmup S          seconds of load before measuring (excluded from the figures)
          --threads T         client event loops; connections are spread round-robin
          --connect-rate R    open at most R connections per second (0: as fast as possible)
          --connect-timeout S give up on connections not established S seconds after the last attempt
          --json FILE         also write the summary as JSON
        exit code: 0 on success; 1 if any echoed byte mismatched or no round trip completed; 2 on bad usage
        """;

    public IPAddress Host { get; private set; } = IPAddress.Loopback;
    public int Port { get; private set; } = 3267;
    public int Connections { get; private set; } = 1;
    public int Size { get; private set; } = 64;
    public double DurationSeconds { get; private set; } = 10;
    public double WarmupSeconds { get; private set; } = 2;
    public int Depth { get; private set; } = 1;
    public int Threads { get; private set; } = Environment.ProcessorCount;
    public double ConnectRate { get; private set; }
    public double ConnectTimeoutSeconds { get; private set; } = 10;
    public string? JsonPath { get; private set; }

    public IPEndPoint EndPoint => new(Host, Port);

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with a readable message.</summary>
    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            switch (name)
            {
                case "--host": o.Host = ParseHost(Value(args, ref i)); break;
                case "--port": o.Port = Int(args, ref i, 0, 65535); break;
                case "--connections": o.Connections = Int(args, ref i, 1, 1_000_000); break;
                case "--size": o.Size = Int(args, ref i, 1, 64 << 20); break;
                case "--duration": o.DurationSeconds = Real(args, ref i, 0.1); break;
                case "--warmup": o.WarmupSeconds = Real(args, ref i, 0); break;
                case "--depth": o.Depth = Int(args, ref i, 1, 1 << 16); break;
                case "--threads": o.Threads = Int(args, ref i, 1, 1024); break;
                case "--connect-rate": o.ConnectRate = Real(args, ref i, 0); break;
                case "--connect-timeout": o.ConnectTimeoutSeconds = Real(args, ref i, 0.1); break;
                case "--json": o.JsonPath = Value(args, ref i); break;
                default: throw new FormatException($"unknown option {name}");
            }
        }
        o.Threads = Math.Min(o.Threads, o.Connections); // an idle loop would only cost a thread
        return o;
    }

    private static IPAddress ParseHost(string host) =>
        IPAddress.TryParse(host, out IPAddress? address)
            ? address
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
              ?? throw new FormatException($"cannot resolve {host} to an IPv4 address");

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");

    private static int Int(string[] args, ref int i, int min, int max)
    {
        string text = Value(args, ref i);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new FormatException($"{args[i - 1]} must be an integer from {min} to {max}, not '{text}'");
        }
        return value;
    }

    private static double Real(string[] args, ref int i, double min)
    {
        string text = Value(args, ref i);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < min || !double.IsFinite(value))
        {
            throw new FormatException($"{args[i - 1]} must be a number of at least {min}, not '{text}'");
        }
        return value;
    }
}
