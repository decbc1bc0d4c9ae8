using System.Net;

namespace ReactorNet.Benchmarks.Servers;

/// <summary>
/// An echo server running in this process, as the benchmark suites see it: where it listens, and
/// how to stop it. Every server kind under comparison (reactor, thread-per-connection, .NET async)
/// is wrapped in this so one client driver measures them all the same way.
/// </summary>
public interface IEchoServer : IDisposable
{
    /// <summary>The bound endpoint (the real port when asked for port 0).</summary>
    IPEndPoint EndPoint { get; }
}
