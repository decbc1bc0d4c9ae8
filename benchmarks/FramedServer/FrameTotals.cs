namespace ReactorNet.Benchmarks.Framed;

/// <summary>
/// Requests answered and write system calls made, summed over closed connections (each adds its
/// own once, when it closes, so the hot path shares nothing between loops).
/// </summary>
public sealed class FrameTotals
{
    private long _requests;
    private long _writeCalls;

    /// <summary>Requests answered on connections that closed.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Write system calls (<c>TcpConnection.WriteCalls</c>) of connections that closed.</summary>
    public long WriteCalls => Interlocked.Read(ref _writeCalls);

    /// <summary>Adds one closed connection's counts.</summary>
    public void Add(long requests, long writeCalls)
    {
        Interlocked.Add(ref _requests, requests);
        Interlocked.Add(ref _writeCalls, writeCalls);
    }

    /// <summary>The line pipeline.sh reads after the server stopped (every connection closed and counted).</summary>
    public string Format() =>
        $"requests {Requests} write-calls {WriteCalls} write-calls-per-request {(Requests == 0 ? 0 : (double)WriteCalls / Requests):0.0000}";
}
