using System.Net;
using BenchmarkDotNet.Attributes;
using ReactorNet.Benchmarks.Servers;

namespace ReactorNet.Benchmarks.Echo;

/// <summary>
/// Echo round trips against one server kind, started in this process on a loopback ephemeral
/// port. One derived class per server kind; each only says how to start its server, so every
/// kind is measured by the same client, parameters and method. The reported time is per round
/// trip: each invocation runs <see cref="RoundTripsPerInvoke"/> of them, as
/// <c>RoundTripsPerInvoke / Connections</c> rounds of "every connection echoes one payload".
/// Allocated includes the server's allocations (MemoryDiagnoser counts the whole process).
/// </summary>
public abstract class EchoRoundTripBenchmarks
{
    /// <summary>The least common multiple of the connection counts, so every count runs whole rounds.</summary>
    public const int RoundTripsPerInvoke = 8000;

    private IEchoServer? _server;
    private EchoClientDriver? _client;

    /// <summary>Connections, all active in every round.</summary>
    [Params(1, 64, 1000)]
    public int Connections { get; set; }

    /// <summary>Bytes per message.</summary>
    [Params(64, 4096)]
    public int Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (RoundTripsPerInvoke % Connections != 0)
        {
            throw new InvalidOperationException($"{nameof(Connections)} must divide {RoundTripsPerInvoke}.");
        }
        _server = StartServer(new IPEndPoint(IPAddress.Loopback, 0));
        _client = new EchoClientDriver(_server.EndPoint, Connections, Payload);
        _client.RunRound(); // every connection accepted and served once before measuring
    }

    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public void EchoRoundTrip() => _client!.RunRounds(RoundTripsPerInvoke / Connections);

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Dispose();
        _server?.Dispose();
    }

    /// <summary>Starts the server under test on <paramref name="endPoint"/> (port 0: any free port).</summary>
    /// <param name="endPoint">Where to listen.</param>
    /// <returns>The running server; disposed after the benchmark.</returns>
    protected abstract IEchoServer StartServer(IPEndPoint endPoint);
}
