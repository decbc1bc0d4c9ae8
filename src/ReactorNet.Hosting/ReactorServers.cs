using System.Diagnostics.CodeAnalysis;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting;

/// <summary>
/// The hosted TCP servers by name, available from dependency injection. A server exists from the
/// moment the host has started it (it is bound and listening: use
/// <see cref="TcpServer.LocalEndPoint"/> to learn the port picked for port 0, e.g. in
/// <c>IHostApplicationLifetime.ApplicationStarted</c>) until the host stops it. Thread-safe.
/// </summary>
public sealed class ReactorServers
{
    private static readonly Dictionary<string, TcpServer> s_none = new(StringComparer.Ordinal);

    // Replaced as a whole (start publishes, stop clears), so readers on any thread see either
    // every server of a start or none.
    private volatile Dictionary<string, TcpServer> _servers = s_none;

    internal ReactorServers()
    {
    }

    /// <summary>The running server named <paramref name="name"/>.</summary>
    /// <param name="name">The name given to <c>AddReactorTcpServer</c>.</param>
    /// <exception cref="InvalidOperationException">No server of that name is running (not registered, or the host has not started or has stopped).</exception>
    public TcpServer this[string name] => TryGetServer(name, out TcpServer? server)
        ? server
        : throw new InvalidOperationException($"No ReactorNet server named '{name}' is running: is it registered with AddReactorTcpServer, and has the host started?");

    /// <summary>The names of the running servers.</summary>
    public IReadOnlyCollection<string> Names => _servers.Keys;

    /// <summary>Finds the running server named <paramref name="name"/>.</summary>
    /// <param name="name">The name given to <c>AddReactorTcpServer</c>.</param>
    /// <param name="server">The server, when running.</param>
    /// <returns>Whether a server of that name is running.</returns>
    public bool TryGetServer(string name, [NotNullWhen(true)] out TcpServer? server)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _servers.TryGetValue(name, out server);
    }

    internal void Publish(Dictionary<string, TcpServer> servers) => _servers = servers;

    internal Dictionary<string, TcpServer> Clear() => Interlocked.Exchange(ref _servers, s_none);
}
