using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using ReactorNet.Benchmarks.Servers;

namespace ReactorNet.Benchmarks.AsyncEchoServer;

/// <summary>
/// <c>AsyncEchoServer [--host 127.0.0.1] [--port 3267] [--buffer 4096] [--zero-byte-reads]</c>:
/// runs <see cref="Servers.AsyncEchoServer"/> until SIGINT or SIGTERM. Prints
/// <c>listening on HOST:PORT</c> once it accepts, so scripts can pass <c>--port 0</c> and read the port.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var host = IPAddress.Loopback;
        int port = 3267;
        var options = new AsyncEchoServerOptions();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--host": host = IPAddress.Parse(Value(args, ref i)); break;
                    case "--port": port = int.Parse(Value(args, ref i), CultureInfo.InvariantCulture); break;
                    case "--buffer": options.BufferSize = int.Parse(Value(args, ref i), CultureInfo.InvariantCulture); break;
                    case "--zero-byte-reads": options.ZeroByteReads = true; break;
                    case "-h" or "--help":
                        Console.WriteLine("usage: AsyncEchoServer [--host 127.0.0.1] [--port 3267] [--buffer 4096] [--zero-byte-reads]");
                        return 0;
                    default: throw new FormatException($"unknown option {args[i]}");
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            Console.Error.WriteLine($"AsyncEchoServer: {ex.Message}");
            return 2;
        }

        using var stop = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var server = Servers.AsyncEchoServer.Start(new IPEndPoint(host, port), options);
        Console.WriteLine($"listening on {server.EndPoint}");
        stop.Wait();
        server.Dispose();
        return 0;

        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // shut down cleanly instead of being killed mid-write
            stop.Set();
        }
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");
}
