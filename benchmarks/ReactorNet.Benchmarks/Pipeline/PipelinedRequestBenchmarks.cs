using System.Buffers.Binary;
using System.Net;
using BenchmarkDotNet.Attributes;
using ReactorNet.Benchmarks.Echo;
using ReactorNet.Benchmarks.Framed;

namespace ReactorNet.Benchmarks.Pipeline;

/// <summary>
/// Length-prefixed requests against the framed server (benchmarks/FramedServer, one loop, batched
/// replies) in this process: each connection sends <see cref="Depth"/> requests of 64 B (4-byte
/// big-endian length + payload) in one write, then reads the <see cref="Depth"/> replies and checks
/// them. Time is per request. Allocated counts the whole process, the blocking client included
/// (which allocates nothing per round): 0 B means the server's frame-decode-and-reply path
/// allocates nothing per request.
/// </summary>
public class PipelinedRequestBenchmarks
{
    /// <summary>Requests per invocation: a multiple of every Connections x Depth, so all run whole rounds.</summary>
    public const int RequestsPerInvoke = 16384;

    private const int PayloadBytes = 64;

    private FramedEchoServer? _server;
    private EchoClientDriver? _client;

    /// <summary>Requests in flight per connection (sent together).</summary>
    [Params(1, 16)]
    public int Depth { get; set; }

    /// <summary>Connections, all active in every round.</summary>
    [Params(1, 64)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (RequestsPerInvoke % (Connections * Depth) != 0)
        {
            throw new InvalidOperationException($"{nameof(Connections)} x {nameof(Depth)} must divide {RequestsPerInvoke}.");
        }
        _server = new FramedEchoServer(new IPEndPoint(IPAddress.Loopback, 0), loops: 1, flushEach: false);
        _client = new EchoClientDriver(_server.LocalEndPoint, Connections, Requests(Depth));
        _client.RunRound(); // every connection accepted and served once before measuring
    }

    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    public void PipelinedRequest() => _client!.RunRounds(RequestsPerInvoke / (Connections * Depth));

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Dispose();
        _server?.Dispose();
    }

    /// <summary><paramref name="depth"/> frames back to back, each a 4-byte big-endian length and a distinct payload.</summary>
    private static byte[] Requests(int depth)
    {
        const int frame = 4 + PayloadBytes;
        var bytes = new byte[depth * frame];
        var random = new Random(depth);
        for (int i = 0; i < depth; i++)
        {
            Span<byte> f = bytes.AsSpan(i * frame, frame);
            BinaryPrimitives.WriteUInt32BigEndian(f, PayloadBytes);
            random.NextBytes(f[4..]);
        }
        return bytes;
    }
}
