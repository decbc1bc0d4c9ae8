using System.Net;

namespace ReactorNet.Benchmarks.Servers;

/// <summary>
/// Adapts any already started server that knows its endpoint and is <see cref="IDisposable"/> to
/// <see cref="IEchoServer"/>, so a benchmark can plug in a server kind without a wrapper class of
/// its own: <c>new StartedEchoServer(server.Start(), server)</c>.
/// </summary>
/// <param name="endPoint">Where the server listens (the bound port).</param>
/// <param name="server">What stops it.</param>
public sealed class StartedEchoServer(IPEndPoint endPoint, IDisposable server) : IEchoServer
{
    /// <inheritdoc />
    public IPEndPoint EndPoint { get; } = endPoint ?? throw new ArgumentNullException(nameof(endPoint));

    /// <summary>Stops the server.</summary>
    public void Dispose() => server.Dispose();
}
